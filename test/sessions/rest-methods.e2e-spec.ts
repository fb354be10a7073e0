// Raw HTTP checks of SessionRestController's request mappings as Spring MVC serves them (OpenVidu
// 2.11, openvidu-server/src/main/java/io/openvidu/server/rest/SessionRestController.java): a path it
// maps, asked with a method it does not map, is a 405 with `Allow` and Spring's message, never a 404;
// HEAD is served as GET; the force routes only look inside the session named in the path.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { boot, type Harness } from '../support/boot.js';
import { call } from '../support/http.js';

const ERROR_KEYS = ['timestamp', 'status', 'error', 'message', 'path'];

void describe('SessionRestController request mappings: 405 with Allow, HEAD, force routes per session', () => {
  let srv: Harness;
  let a: string;
  let b: string;

  before(async () => {
    srv = await boot({ OPENVIDU_RECORDING: 'true' });
    const create = async () => (await call(srv.url, 'POST', '/api/sessions', { body: {} })).json<{ id: string }>().id;
    a = await create();
    b = await create();
  });
  after(() => srv.close());

  const cases = (): Array<[string, string, string]> => [
    ['PUT', '/api/sessions', 'POST, GET'],
    ['PATCH', '/api/sessions', 'POST, GET'],
    ['DELETE', '/api/sessions', 'POST, GET'],
    ['POST', `/api/sessions/${a}`, 'GET, DELETE'],
    ['PUT', `/api/sessions/${a}`, 'GET, DELETE'],
    ['GET', `/api/sessions/${a}/connection/x`, 'DELETE'],
    ['POST', `/api/sessions/${a}/stream/x`, 'DELETE'],
    ['GET', '/api/tokens', 'POST'],
    ['DELETE', '/api/tokens', 'POST'],
    ['PUT', '/api/recordings/start', 'POST, GET, DELETE'],
    ['GET', '/api/recordings/stop/x', 'POST'],
    ['POST', '/api/recordings', 'GET'],
    ['PUT', '/api/recordings/x', 'GET, DELETE'],
  ];

  void it('every mapped path answers other methods with 405, Allow and the JSON error body', async () => {
    for (const [method, path, allow] of cases()) {
      const r = await call(srv.url, method, path, { body: method === 'GET' ? undefined : {} });
      assert.equal(r.status, 405, `${method} ${path}: ${r.text}`);
      assert.equal(r.headers.allow, allow, `${method} ${path}`);
      assert.deepEqual(Object.keys(r.json()), ERROR_KEYS);
      assert.equal(r.json().message, `Request method '${method}' not supported`);
      assert.equal(r.json().error, 'Method Not Allowed');
      assert.equal(r.json().path, path);
    }
    // Nothing was changed by them, and a path nobody maps stays a 404.
    assert.equal((await call(srv.url, 'GET', `/api/sessions/${a}`)).status, 200);
    assert.equal((await call(srv.url, 'PUT', '/api/nothing')).status, 404);
    // `start` is also a `{recordingId}` there: GET and DELETE of it are an unknown recording.
    assert.equal((await call(srv.url, 'GET', '/api/recordings/start')).status, 404);
  });

  void it('without credentials the 405 paths answer 401 like every route (auth comes first here)', async () => {
    for (const [method, path] of cases()) {
      const r = await call(srv.url, method, path, { auth: null });
      assert.equal(r.status, 401, `${method} ${path}`);
    }
  });

  void it('HEAD is served by the GET mappings, with no body', async () => {
    const r = await call(srv.url, 'HEAD', `/api/sessions/${a}`);
    assert.equal(r.status, 200);
    assert.equal(r.text, '');
    assert.equal((await call(srv.url, 'HEAD', '/api/sessions')).status, 200);
    assert.equal((await call(srv.url, 'HEAD', '/api/sessions/nope')).status, 404);
  });

  void it("force routes only see the path's session: another session's connection is a 404", async () => {
    const token = async (s: string) =>
      (await call(srv.url, 'POST', '/api/tokens', { body: { session: s } })).json<{ token: string }>().token;
    const inA = srv.sessions.join(a, { token: await token(a), platform: 'A' });
    srv.sessions.join(b, { token: await token(b), platform: 'B' });
    const r = await call(srv.url, 'DELETE', `/api/sessions/${b}/connection/${inA.connectionId}`);
    assert.equal(r.status, 404);
    assert.equal(r.text, '');
    const json = (await call(srv.url, 'GET', `/api/sessions/${a}`)).json<{
      connections: { numberOfElements: number };
    }>();
    assert.equal(json.connections.numberOfElements, 1, 'the connection is still in its own session');
    assert.equal((await call(srv.url, 'DELETE', `/api/sessions/${a}/connection/${inA.connectionId}`)).status, 204);
  });
});
