// Deny-by-default Basic auth over real HTTPS (docs/openvidu-api.md §1, §2.0). The routes are read from the
// running app's router, so every route another module adds later is covered by these tests too.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Agent } from 'node:https';
import type { INestApplication } from '@nestjs/common';
import { bootApp } from '../support/boot.js';
import { type Emulator, startEmulator } from '../support/emulators.js';
import { baseEnv, basic, tempDir } from '../support/fixtures.js';
import { call, type Reply } from '../support/http.js';

const SECRET = 'auth-spec-secret';

interface RouteRef {
  method: string;
  /** The route template as registered, e.g. `/api/sessions/:sessionId`. */
  template: string;
  /** A concrete path that the template matches. */
  path: string;
}

interface ExpressLayer {
  name?: string;
  route?: { path: unknown; methods: Record<string, boolean> };
  handle?: { stack?: unknown[] };
}

/** Fills path parameters (`:id`, `*rest`, `{optional}`) so the template matches a real request. */
function concrete(template: string): string {
  return template
    .replace(/\{|\}/g, '')
    .replace(/:(\w+)/g, 'x1')
    .replace(/\*(\w+)?/g, 'a/b');
}

/** Every (method, path) the Express router of the app knows. */
function listRoutes(app: INestApplication): RouteRef[] {
  const express = app.getHttpAdapter().getInstance() as { router: { stack: ExpressLayer[] } };
  const out: RouteRef[] = [];
  for (const layer of express.router.stack) {
    // A mounted sub-router hides its mount path; routes must be registered on the app itself.
    assert.ok(!layer.handle?.stack, `a mounted router (${layer.name}) cannot be enumerated; register routes directly`);
    if (!layer.route) continue;
    const paths = Array.isArray(layer.route.path) ? (layer.route.path as unknown[]) : [layer.route.path];
    for (const template of paths) {
      assert.equal(typeof template, 'string', 'route paths must be strings to be enumerable');
      for (const m of Object.keys(layer.route.methods)) {
        // An `@All` route lists every method Node knows. CONNECT never reaches Express (Node hands it
        // to the server's 'connect' event); OPTIONS is the CORS preflight's, public on purpose and
        // checked below; HEAD carries no body and is checked through the GET routes.
        if (m === 'connect' || m === 'options' || m === 'head') continue;
        const method = m === '_all' ? 'GET' : m.toUpperCase();
        out.push({ method, template: template as string, path: concrete(template as string) });
      }
    }
  }
  const seen = new Set<string>();
  return out.filter((r) => !seen.has(`${r.method} ${r.path}`) && seen.add(`${r.method} ${r.path}`));
}

/**
 * The only routes reachable without credentials: the public URL (§1, permitAll), the Kubernetes
 * probes, and the certificate-acceptance page that docs/clients.md lists as public.
 */
function isPublic(r: { method: string; template: string }): boolean {
  if (r.method !== 'GET' && r.method !== 'HEAD') return false;
  return (
    r.template === '/config/openvidu-publicurl' ||
    r.template.startsWith('/health/') ||
    r.template === '/accept-certificate'
  );
}

function assertUnauthorized(res: Reply, path: string, what: string): void {
  assert.equal(res.status, 401, `${what}: expected 401, got ${res.status} ${res.text.slice(0, 200)}`);
  assert.equal(res.headers['www-authenticate'], 'Basic realm="OpenVidu"', `${what}: WWW-Authenticate`);
  if (res.text === '') return assert.fail(`${what}: 401 without the §2.0 body`);
  const body = res.json();
  assert.deepEqual(Object.keys(body), ['timestamp', 'status', 'error', 'message', 'path'], `${what}: §2.0 keys`);
  assert.equal(typeof body.timestamp, 'number');
  assert.equal(body.status, 401);
  assert.equal(body.error, 'Unauthorized');
  assert.equal(typeof body.message, 'string');
  assert.equal(body.path, path.split('?')[0]);
  assert.ok(!res.text.includes(SECRET), `${what}: the secret leaked into the body`);
}

void describe('Basic auth on every route (docs/openvidu-api.md §1)', () => {
  let emu: Emulator;
  let app: INestApplication;
  let url: string;
  let routes: RouteRef[];
  const tmp = tempDir('auth');
  // A few hundred calls: one TLS connection kept alive instead of a handshake for each.
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });

  before(async () => {
    emu = await startEmulator();
    ({ app, url } = await bootApp(baseEnv(tmp.dir, emu.uri, { OPENVIDU_SECRET: SECRET })));
    routes = listRoutes(app);
  });

  after(async () => {
    agent.destroy();
    await app?.close();
    await emu?.close();
    tmp.remove();
  });

  void it('enumerates the foundation routes from the router itself', () => {
    const keys = new Set(routes.map((r) => `${r.method} ${r.template}`));
    for (const k of [
      'GET /config',
      'GET /config/openvidu-version',
      'GET /config/openvidu-publicurl',
      'GET /config/openvidu-recording',
      'GET /config/openvidu-recording-path',
      'GET /config/openvidu-cdr',
      'GET /pro/config',
      'POST /pro/restart',
      'GET /health/live',
      'GET /health/ready',
    ]) {
      assert.ok(keys.has(k), `router does not know ${k}; it knows ${[...keys].join(', ')}`);
    }
  });

  void it('answers 401 with the realm and the §2.0 body on every non-public route without credentials', async () => {
    for (const r of routes.filter((x) => !isPublic(x))) {
      assertUnauthorized(
        await call(url, r.method, r.path, { auth: null, agent }),
        r.path,
        `${r.method} ${r.path} (no header)`,
      );
    }
  });

  void it('answers 401 on every non-public route with a wrong secret or a wrong user', async () => {
    for (const r of routes.filter((x) => !isPublic(x))) {
      const what = `${r.method} ${r.path}`;
      assertUnauthorized(
        await call(url, r.method, r.path, { auth: basic('wrong'), agent }),
        r.path,
        `${what} (wrong secret)`,
      );
      assertUnauthorized(
        await call(url, r.method, r.path, { auth: basic(SECRET, 'ADMIN'), agent }),
        r.path,
        `${what} (user)`,
      );
      if (r.method === 'GET') {
        const head = await call(url, 'HEAD', r.path, { auth: basic('wrong'), agent });
        assert.equal(head.status, 401, `HEAD ${r.path}`);
      }
    }
  });

  void it('lets the right credentials through on every route (no route denies a valid caller)', async () => {
    for (const r of routes) {
      const res = await call(url, r.method, r.path, { auth: basic(SECRET), agent });
      assert.notEqual(res.status, 401, `${r.method} ${r.path} refused valid credentials`);
      assert.notEqual(res.status, 500, `${r.method} ${r.path} crashed: ${res.text.slice(0, 200)}`);
    }
  });

  void it('keeps exactly GET /config/openvidu-publicurl and /health/* public', async () => {
    const open: string[] = [];
    for (const r of routes) {
      const res = await call(url, r.method, r.path, { auth: null, agent });
      if (res.status !== 401) open.push(`${r.method} ${r.template}`);
    }
    for (const k of open) assert.ok(isPublic({ method: k.split(' ')[0], template: k.split(' ')[1] }), `${k} is public`);
    for (const k of ['GET /config/openvidu-publicurl', 'GET /health/live', 'GET /health/ready']) {
      assert.ok(open.includes(k), `${k} must answer without credentials`);
    }
    const pub = await call(url, 'GET', '/config/openvidu-publicurl', { auth: null, agent });
    assert.equal(pub.status, 200);
    assert.match(pub.text, /^https:\/\/.+\/$/, '§2.15: the final https URL ending in /');
  });

  void it('answers 401 on unknown paths, whatever the method, so they reveal nothing', async () => {
    for (const [method, path] of [
      ['GET', '/'],
      ['GET', '/nope'],
      ['POST', '/api/does-not-exist'],
      ['DELETE', '/pro/whatever/1'],
      ['PUT', '/pro/config'],
      ['GET', '/health'],
      ['GET', '/config/openvidu-publicurl/extra'],
      ['GET', '/pro/config?x=1'],
    ]) {
      assertUnauthorized(await call(url, method, path, { auth: null, agent }), path, `${method} ${path} (no header)`);
      assertUnauthorized(
        await call(url, method, path, { auth: basic('nope'), agent }),
        path,
        `${method} ${path} (wrong)`,
      );
    }
    const known = await call(url, 'GET', '/nope', { auth: basic(SECRET), agent });
    assert.equal(known.status, 404, 'with valid credentials an unknown path is a plain 404');
  });

  void it('rejects malformed Authorization headers', async () => {
    const good = Buffer.from(`OPENVIDUAPP:${SECRET}`).toString('base64');
    for (const auth of [
      '',
      'Basic',
      'Basic ',
      `Bearer ${good}`,
      `Basic ${good}!`,
      `Basic ${good}=AAAA`,
      `Basic ${Buffer.from(`OPENVIDUAPP${SECRET}`).toString('base64')}`,
      `Basic ${Buffer.from(`:${SECRET}`).toString('base64')}`,
      `Basic ${Buffer.from(`openviduapp:${SECRET}`).toString('base64')}`,
      `Basic ${Buffer.from(`OPENVIDUAPP:${SECRET} `).toString('base64')}`,
      `Basic ${good} ${good}`,
    ]) {
      assertUnauthorized(await call(url, 'GET', '/pro/config', { auth }), '/pro/config', `header "${auth}"`);
    }
    assert.equal(
      (await call(url, 'GET', '/pro/config', { auth: `basic  ${good}` })).status,
      200,
      'scheme is case-insensitive',
    );
  });

  void it('answers CORS preflights without credentials and lets any origin read replies (docs/openvidu-api.md §1)', async () => {
    const origin = { origin: 'https://app.example' };
    for (const [path, method] of [
      ['/pro/config', 'GET'],
      ['/pro/restart', 'POST'],
      ['/api/sessions/x1', 'DELETE'],
    ]) {
      const pre = await call(url, 'OPTIONS', path, {
        headers: {
          ...origin,
          'access-control-request-method': method,
          'access-control-request-headers': 'authorization,content-type',
        },
      });
      assert.equal(pre.status, 204, `preflight ${method} ${path}: ${pre.status}`);
      assert.equal(pre.headers['access-control-allow-origin'], '*');
      assert.match(String(pre.headers['access-control-allow-methods']), new RegExp(method));
      assert.match(String(pre.headers['access-control-allow-headers']).toLowerCase(), /authorization/);
      assert.equal(pre.text, '');
    }
    const ok = await call(url, 'GET', '/pro/config', { auth: basic(SECRET), headers: origin });
    assert.equal(ok.status, 200);
    assert.equal(ok.headers['access-control-allow-origin'], '*');
    const denied = await call(url, 'GET', '/pro/config', { auth: null, headers: origin });
    assertUnauthorized(denied, '/pro/config', 'cross-origin GET without credentials');
    assert.equal(denied.headers['access-control-allow-origin'], '*', 'the browser app can read the 401');
  });

  void it('checks credentials before the body: bad JSON or a huge body without credentials is a 401', async () => {
    assertUnauthorized(
      await call(url, 'POST', '/pro/restart', { auth: null, body: '{not json' }),
      '/pro/restart',
      'bad JSON',
    );
    const huge = JSON.stringify({ 'openvidu.secret': 'x'.repeat(2 * 1024 * 1024) });
    assertUnauthorized(
      await call(url, 'POST', '/pro/restart', { auth: null, body: huge }),
      '/pro/restart',
      'huge body',
    );
  });
});
