import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { assertRefused, throughPipe } from '../common/validation/validation.testing.js';
import {
  CreateSessionRequest,
  TokenRequest,
  readKurentoOptions,
  sessionPropertiesOf,
  tokenOptionsOf,
} from './session-requests.js';

const TYPE = 'Type error in some parameter';
const enumText = (rm: string, om: string, rl: string, mm: string) =>
  `RecordingMode ${rm} | Default OutputMode ${om} | Default RecordingLayout ${rl} | MediaMode ${mm}. Some parameter is not defined`;

void describe('CreateSessionRequest (POST /api/sessions)', () => {
  void it('rule 1: every field a string or null', async () => {
    for (const key of [
      'mediaMode',
      'recordingMode',
      'defaultOutputMode',
      'defaultRecordingLayout',
      'defaultCustomLayout',
      'customSessionId',
    ]) {
      await assertRefused(CreateSessionRequest, { [key]: 1 }, 400, TYPE);
    }
    await assertRefused(CreateSessionRequest, [], 400, TYPE);
  });

  void it('rule 2: enum names, every raw value echoed', async () => {
    await assertRefused(CreateSessionRequest, { mediaMode: 'X' }, 400, enumText('null', 'null', 'null', 'X'));
    await assertRefused(
      CreateSessionRequest,
      { recordingMode: 'always', mediaMode: 'ROUTED' },
      400,
      enumText('always', 'null', 'null', 'ROUTED'),
    );
    await assertRefused(CreateSessionRequest, { defaultOutputMode: '' }, 400, enumText('null', '', 'null', 'null'));
    await assertRefused(CreateSessionRequest, { defaultRecordingLayout: 'GRID', customSessionId: 2 }, 400, TYPE);
  });

  void it('rule 3: a custom id a client can join with', async () => {
    await assertRefused(
      CreateSessionRequest,
      { customSessionId: 'a&b' },
      400,
      "Parameter 'customSessionId' cannot contain '&', '=', '?' or '#': openvidu-browser could not read such an id back from its token",
    );
    await assertRefused(
      CreateSessionRequest,
      { customSessionId: 'a\nb', mediaMode: 'X' },
      400,
      enumText('null', 'null', 'null', 'X'),
    );
  });

  void it('maps to the properties that were set', async () => {
    const req = await throughPipe(CreateSessionRequest, {
      mediaMode: 'RELAYED',
      customSessionId: null,
      customSessionId2: 'x',
      defaultCustomLayout: '',
    });
    assert.deepEqual(sessionPropertiesOf(req), { mediaMode: 'RELAYED', defaultCustomLayout: '' });
    assert.deepEqual(sessionPropertiesOf(await throughPipe(CreateSessionRequest, undefined)), {});
  });
});

void describe('TokenRequest (POST /api/tokens)', () => {
  void it('checks the body, then types, session, kurentoOptions shape, role, its content, data length', async () => {
    await assertRefused(TokenRequest, undefined, 400, 'Error in body parameters. Cannot be empty');
    await assertRefused(TokenRequest, [1], 400, TYPE);
    await assertRefused(TokenRequest, { session: 's', data: 5, role: 'X' }, 400, TYPE);
    await assertRefused(
      TokenRequest,
      { session: null, role: 'X', kurentoOptions: 'x' },
      400,
      '"session" parameter is mandatory',
    );
    await assertRefused(
      TokenRequest,
      { session: 's', role: 'X', kurentoOptions: [] },
      400,
      "Error in parameter 'kurentoOptions'. It is not a valid JSON object",
    );
    await assertRefused(
      TokenRequest,
      { session: 's', role: 'ADMIN', kurentoOptions: { videoMaxRecvBandwidth: 'x' } },
      400,
      'Parameter role ADMIN is not defined',
    );
    await assertRefused(TokenRequest, { session: 's', role: '' }, 400, 'Parameter role  is not defined');
    await assertRefused(
      TokenRequest,
      { session: 's', data: 'x'.repeat(20), kurentoOptions: { videoMinSendBandwidth: null } },
      400,
      "Type error in some parameter of 'kurentoOptions'",
      { 'openvidu.sessions.max-metadata-length': 10 },
    );
    await assertRefused(
      TokenRequest,
      { session: 's', data: 'x'.repeat(11) },
      400,
      "Parameter 'data' is longer than 10 characters",
      { 'openvidu.sessions.max-metadata-length': 10 },
    );
  });

  void it('kurentoOptions: filter names bounded, and their number read in order with type errors', async () => {
    const cfg = { 'openvidu.sessions.max-allowed-filters': 2 };
    await assertRefused(
      TokenRequest,
      { session: 's', kurentoOptions: { allowedFilters: ['x'.repeat(257)] } },
      400,
      "Error in parameter 'kurentoOptions'. A filter name is longer than 256 characters",
    );
    await assertRefused(
      TokenRequest,
      { session: 's', kurentoOptions: { allowedFilters: ['a', 'b', 'a', 'c', {}] } },
      400,
      "Error in parameter 'kurentoOptions'. 'allowedFilters' has more than 2 distinct names",
      cfg,
    );
    await assertRefused(
      TokenRequest,
      { session: 's', kurentoOptions: { allowedFilters: ['a', {}, 'b', 'c'] } },
      400,
      "Type error in some parameter of 'kurentoOptions'",
      cfg,
    );
  });

  void it('maps to token options: defaults, Gson integers, filters once each', async () => {
    const req = await throughPipe(TokenRequest, {
      session: 's',
      role: null,
      kurentoOptions: {
        videoMaxRecvBandwidth: 9.7,
        videoMinSendBandwidth: ' 300 ',
        allowedFilters: ['A', 1, true, 'A'],
      },
    });
    assert.deepEqual(tokenOptionsOf(req), {
      role: 'PUBLISHER',
      data: '',
      kurentoOptions: { videoMaxRecvBandwidth: 9, videoMinSendBandwidth: 300, allowedFilters: ['A', '1', 'true'] },
    });
    assert.deepEqual(readKurentoOptions({ videoMaxSendBandwidth: 2 ** 31 }), {
      ok: false,
      problem: "Type error in some parameter of 'kurentoOptions'",
    });
  });
});
