import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { BadRequestError } from '../common/errors.js';
import { assertRefused, throughPipe } from '../common/validation/validation.testing.js';
import { RestartRequest } from './restart-request.js';

const SHAPE = 'Body must be a JSON object whose keys are OpenVidu property names';
/** What the @RestartBody decorator hands the pipe. */
const list = (body: object) => ({ entries: Object.entries(body) });

void describe('RestartRequest (POST /pro/restart)', () => {
  void it('needs a JSON object', async () => {
    await assertRefused(RestartRequest, undefined, 400, SHAPE);
    await assertRefused(RestartRequest, [], 400, SHAPE);
  });

  void it('names every bad key in body order, with its reason, in one message', async () => {
    await assertRefused(
      RestartRequest,
      list({
        'openvidu.cdr': 'x',
        'kms.uris': [],
        nope: 1,
        'openvidu.recording.notification': 'no',
        'openvidu.secret': '',
      }),
      400,
      'Invalid restart request: "openvidu.cdr" must be a boolean; ' +
        '"kms.uris" cannot be changed by a restart; set it in the environment or the config file; ' +
        '"nope" is not a known property; ' +
        '"openvidu.recording.notification" must be one of all, publisher_moderator, moderator, none; ' +
        '"openvidu.secret" must not be empty',
    );
  });

  void it('keeps keys the pipe would strip from an object, so they are refused by name', async () => {
    const body = JSON.parse('{"__proto__": {"openvidu.cdr": false}, "constructor": 1}') as object;
    await assertRefused(
      RestartRequest,
      list(body),
      400,
      'Invalid restart request: "__proto__" is not a known property; "constructor" is not a known property',
    );
  });

  void it('gives the new values of a valid body, through the pipe or from code', async () => {
    const req = await throughPipe(
      RestartRequest,
      list({ 'openvidu.cdr': true, 'openvidu.webhook.events': ['sessionCreated'] }),
    );
    assert.deepEqual(req.updates, { 'openvidu.cdr': true, 'openvidu.webhook.events': ['sessionCreated'] });
    assert.equal(RestartRequest.from(req), req);
    assert.deepEqual(RestartRequest.from({ 'openvidu.recording.autostop-timeout': 5 }).updates, {
      'openvidu.recording.autostop-timeout': 5,
    });
    assert.throws(() => RestartRequest.from({ 'openvidu.recording.autostop-timeout': -1 }), BadRequestError);
    assert.throws(() => RestartRequest.from(null), BadRequestError);
  });
});
