import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { assertRefused, throughPipe } from '../common/validation/validation.testing.js';
import { MediaServerStatusRequest, RegisterMediaServerRequest } from './media-server.requests.js';

void describe('media-server request bodies (/pro/media-servers)', () => {
  void it('register: a JSON object with a ws:// or wss:// "uri"', async () => {
    const shape = 'Body must be a JSON object with a "uri" string';
    for (const body of [undefined, [], {}, { uri: null }, { uri: 5 }]) {
      await assertRefused(RegisterMediaServerRequest, body, 400, shape);
    }
    await assertRefused(
      RegisterMediaServerRequest,
      { uri: 'http://h:8888/kurento' },
      400,
      '"uri" must be a ws:// or wss:// URI, got "http://h:8888/kurento"',
    );
    assert.equal(
      (await throughPipe(RegisterMediaServerRequest, { uri: ' ws://h:8888/kurento ', x: 1 })).uri,
      ' ws://h:8888/kurento ',
    );
  });

  void it('status: "running" or "waiting-idle-to-terminate"', async () => {
    const shape = 'Body must be a JSON object with a "status" string';
    for (const body of [undefined, ['running'], {}, { status: true }]) {
      await assertRefused(MediaServerStatusRequest, body, 400, shape);
    }
    await assertRefused(
      MediaServerStatusRequest,
      { status: 'stopped' },
      400,
      '"status" must be "running" or "waiting-idle-to-terminate", got "stopped"',
    );
    await assertRefused(
      MediaServerStatusRequest,
      { status: '' },
      400,
      '"status" must be "running" or "waiting-idle-to-terminate", got ""',
    );
    assert.equal(
      (await throughPipe(MediaServerStatusRequest, { status: 'waiting-idle-to-terminate' })).status,
      'waiting-idle-to-terminate',
    );
  });
});
