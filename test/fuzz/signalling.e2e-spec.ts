// Property-based frames for every signalling method, from a joined client and from a socket that
// never joined: every answer is well-formed JSON-RPC, the server keeps answering, and a refused call
// leaves the session as it was.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { createSession, createToken } from '../support/api.js';
import { boot, type Harness } from '../support/boot.js';
import { counted, fcOptions, RUNS } from '../support/fuzz.js';
import { rest } from '../support/http.js';
import { Peer, RpcClient } from '../support/rpc.js';

const METHODS = [
  'joinRoom',
  'publishVideo',
  'receiveVideoFrom',
  'onIceCandidate',
  'unpublishVideo',
  'unsubscribeFromVideo',
  'sendMessage',
  'streamPropertyChanged',
  'forceDisconnect',
  'forceUnpublish',
  'applyFilter',
  'execFilterMethod',
  'removeFilter',
  'addFilterEventListener',
  'removeFilterEventListener',
  'connect',
  'ping',
  'constructor',
  '__proto__',
];
const PARAM_NAMES = [
  'session',
  'token',
  'secret',
  'metadata',
  'sdpOffer',
  'sender',
  'endpointName',
  'candidate',
  'message',
  'streamId',
  'property',
  'newValue',
  'connectionId',
  'type',
  'options',
  'method',
  'params',
  'eventType',
  'interval',
  'sessionId',
];

const frame = fc.oneof(
  {
    weight: 6,
    arbitrary: fc
      .record({
        jsonrpc: fc.constant('2.0'),
        id: fc.oneof(fc.integer(), fc.string({ maxLength: 8 })),
        method: fc.oneof(fc.constantFrom(...METHODS), fc.string({ maxLength: 20 })),
        params: fc.oneof(
          fc.dictionary(fc.constantFrom(...PARAM_NAMES), fc.jsonValue({ maxDepth: 3 })),
          fc.jsonValue({ maxDepth: 2 }),
        ),
      })
      .map((m) => JSON.stringify(m)),
  },
  { weight: 1, arbitrary: fc.string({ maxLength: 60 }) },
  { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 3 }).map((v) => JSON.stringify(v)) },
);

void describe('signalling fuzzing', () => {
  let h: Harness;
  let session = '';
  let peer: Peer;
  let stranger: RpcClient;
  before(async () => {
    h = await boot({ WS_JOINTIMEOUT: '600000', OPENVIDU_SESSIONS_MAX: '50' });
    session = await createSession(h.url, { customSessionId: 'fuzz-room' });
    peer = await Peer.join(h, session, await createToken(h.url, session, 'MODERATOR'));
    await peer.publish();
    stranger = await RpcClient.connect(h.wsUrl);
  });
  after(async () => {
    await stranger?.close();
    await peer?.rpc.close();
    await h?.close();
    process.stdout.write(`signalling fuzzing: ${counted.cases} cases\n`);
  });

  const snapshot = async () =>
    (await rest(h.url, 'GET', `/api/sessions/${session}`)).text.replace(/"createdAt":\d+/g, '');

  void it(`answers every frame well-formed, keeps serving, refused calls change nothing (${RUNS} cases)`, async () => {
    await fc.assert(
      fc.asyncProperty(fc.boolean(), frame, async (joined, text) => {
        counted.cases++;
        // The joined client may have left or been evicted by an earlier case: join again.
        if (peer.rpc.closed || !(await rest(h.url, 'GET', `/api/sessions/${session}`)).text.includes(peer.id)) {
          await peer.rpc.close();
          if ((await rest(h.url, 'GET', `/api/sessions/${session}`)).status === 404) {
            session = await createSession(h.url, { customSessionId: 'fuzz-room' });
          }
          peer = await Peer.join(h, session, await createToken(h.url, session, 'MODERATOR'));
        }
        if (stranger.closed) stranger = await RpcClient.connect(h.wsUrl);
        const client = joined ? peer.rpc : stranger;
        const before = await snapshot();
        const seen = client.frames.length;
        client.ws.send(text);
        // A ping after it: once answered, the server has handled the fuzzed frame (one queue per client).
        const alive = client.closed ? Promise.resolve() : client.call('ping', {}).then(() => undefined);
        await alive.catch(() => undefined);
        const answers = client.frames.slice(seen).filter((f) => 'id' in f);
        for (const a of answers) {
          assert.equal(a.jsonrpc, '2.0');
          const err = a.error as { code?: unknown; message?: unknown } | undefined;
          assert.ok('result' in a !== 'error' in a, `one of result and error: ${JSON.stringify(a).slice(0, 200)}`);
          if (err) assert.equal(typeof err.code, 'number');
        }
        const refused =
          answers.some((a) => a.error) &&
          !answers.some((a) => a.result && a.id !== undefined && !(a.result as { value?: unknown }).value);
        if (refused && !text.includes('"connect"')) {
          assert.equal(await snapshot(), before, `refused ${text.slice(0, 120)} changed the session`);
        }
        assert.equal((await rest(h.url, 'GET', '/api/sessions')).status, 200);
      }),
      fcOptions,
    );
    assert.equal(h.pool.connectedCount(), 1);
  });
});
