// Property-based inputs for every REST route: random bodies, path segments and query values. No
// 5xx, every 4xx with the prescribed body, and state unchanged by every rejected request.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { createSession } from '../support/api.js';
import { boot, type Harness } from '../support/boot.js';
import { assertClientError, counted, fcOptions, RUNS } from '../support/fuzz.js';
import { rest } from '../support/http.js';

const RESTARTABLE = [
  'openvidu.cdr',
  'openvidu.webhook',
  'openvidu.webhook.endpoint',
  'openvidu.webhook.headers',
  'openvidu.webhook.events',
  'openvidu.recording',
  'openvidu.recording.path',
  'openvidu.recording.autostop-timeout',
  'openvidu.streams.video.max-recv-bandwidth',
  'openvidu.pro.stats.webrtc-interval',
  'server.port',
  'kms.uris',
  'not.a.key',
];

const segment = fc.oneof(
  fc.string({ maxLength: 40 }),
  fc.constantFrom('..', '%2e%2e', 'KMS-AAAAAA', 'con_ABC', 'str_CAM_x', '%00', 'a'.repeat(3000)),
);
const json = fc.oneof(
  fc.jsonValue({ maxDepth: 4 }),
  fc.dictionary(
    fc.constantFrom(
      'session',
      'role',
      'data',
      'kurentoOptions',
      'customSessionId',
      'mediaMode',
      'recordingMode',
      'uri',
    ),
    fc.jsonValue({ maxDepth: 3 }),
  ),
  fc.record({
    session: fc.string({ maxLength: 30 }),
    role: fc.constantFrom('PUBLISHER', 'SUBSCRIBER', 'MODERATOR', 'ADMIN', ''),
    data: fc.string({ maxLength: 200 }),
    kurentoOptions: fc.jsonValue({ maxDepth: 3 }),
  }),
  // /pro/restart bodies; the secret only with values that must be refused.
  fc.dictionary(fc.constantFrom(...RESTARTABLE), fc.jsonValue({ maxDepth: 2 }), { maxKeys: 3 }),
  fc.record({ 'openvidu.secret': fc.oneof(fc.constant('x'.repeat(200)), fc.constant('a\u0000b'), fc.integer()) }),
);

type Route = { method: string; path: (s: string[]) => string; body: boolean };
const ROUTES: Route[] = [
  { method: 'POST', path: () => '/api/sessions', body: true },
  { method: 'GET', path: (s) => `/api/sessions?webRtcStats=${s[0]}`, body: false },
  { method: 'GET', path: (s) => `/api/sessions/${s[0]}?webRtcStats=${s[1]}`, body: false },
  { method: 'DELETE', path: (s) => `/api/sessions/${s[0]}`, body: false },
  { method: 'DELETE', path: (s) => `/api/sessions/${s[0]}/connection/${s[1]}`, body: false },
  { method: 'DELETE', path: (s) => `/api/sessions/${s[0]}/stream/${s[1]}`, body: false },
  { method: 'POST', path: () => '/api/tokens', body: true },
  { method: 'GET', path: () => '/config', body: false },
  { method: 'GET', path: () => '/pro/config', body: false },
  { method: 'POST', path: () => '/pro/restart', body: true },
  {
    method: 'GET',
    path: (s) => `/pro/media-servers/${s[0]}?sessions=${s[1]}&load=${s[1]}&extraInfo=${s[1]}`,
    body: false,
  },
  { method: 'POST', path: () => '/pro/media-servers', body: true },
  { method: 'DELETE', path: (s) => `/pro/media-servers/${s[0]}?force=${s[1]}`, body: false },
  { method: 'GET', path: (s) => `/cdr/${s[0]}`, body: false },
  { method: 'POST', path: () => '/api/recordings/start', body: true },
  { method: 'POST', path: (s) => `/api/recordings/stop/${s[0]}`, body: false },
  { method: 'GET', path: (s) => `/api/recordings/${s[0]}`, body: false },
  { method: 'DELETE', path: (s) => `/api/recordings/${s[0]}`, body: false },
];

void describe('REST fuzzing', () => {
  let h: Harness;
  let known = '';
  before(async () => {
    h = await boot({ KMS_CONNECT_TIMEOUT: '200' });
    known = await createSession(h.url, { customSessionId: 'fuzz-known' });
  });
  after(async () => {
    await h?.close();
    process.stdout.write(`REST fuzzing: ${counted.cases} cases\n`);
  });

  const state = async () =>
    JSON.stringify([
      (await rest(h.url, 'GET', '/api/sessions')).text.replace(/"createdAt":\d+/g, ''),
      (await rest(h.url, 'GET', '/pro/config')).text,
      (await rest(h.url, 'GET', '/pro/media-servers')).text.replace(/"(connectionTime|load)":[\d.]+/g, ''),
    ]);

  void it(`no 5xx, prescribed 4xx bodies, state unchanged by rejected requests (${RUNS} cases)`, async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...ROUTES),
        fc.array(fc.oneof(segment, fc.constant(known)), { minLength: 2, maxLength: 2 }),
        json,
        async (route, segs, body) => {
          counted.cases++;
          const enc = segs.map((s) => encodeURIComponent(s));
          const path = route.path(enc);
          const before = await state();
          const r = await rest(h.url, route.method, path, route.body ? body : undefined);
          assertClientError(r, `${route.method} ${path.slice(0, 80)}`);
          if (r.status >= 400) {
            assert.equal(await state(), before, `${route.method} ${path.slice(0, 80)} changed state`);
          }
          // Keep the server usable for the next case: no more than a few sessions linger.
          if (r.status === 200 && route.path(enc) === '/api/sessions') {
            const id = r.json<{ id?: string }>().id;
            if (id && id !== known) await rest(h.url, 'DELETE', `/api/sessions/${encodeURIComponent(id)}`);
          }
        },
      ),
      fcOptions,
    );
    assert.equal((await rest(h.url, 'GET', '/api/sessions')).status, 200, 'still serving');
    assert.equal(h.pool.connectedCount(), 1, 'the media server is still connected');
  });
});
