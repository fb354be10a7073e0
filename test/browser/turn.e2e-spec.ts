// The page side is untyped browser code (openvidu-browser objects, the page global): `any` is its honest type.
/* eslint-disable @typescript-eslint/no-explicit-any */
// TURN credentials end to end with openvidu-browser 2.11.0 in Chromium and a real coturn: the page
// reads a token with openvidu-browser's own Session#processToken and Chrome's TURN client allocates
// a relay with the iceServers it built (turn:<token host>:3478, as WebRtcPeer passes them) from
// coturn (Debian's package) reading its users from a real Redis (coturn.credentials=redis) or
// checking them against the shared secret (use-auth-secret, coturn.credentials=rest-api). OpenVidu
// 2.11 sources: TokenGeneratorDefault, BashCoturnCredentialsService, openvidu-browser
// Session#processToken.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { BrowserContext, Page } from 'playwright-core';
import { launchChromium, type LaunchedBrowser } from '../support/chromium.js';
import { createSession, createToken } from '../support/api.js';
import { boot, type Harness } from '../support/boot.js';
import { rest } from '../support/http.js';
import { randomLoopback, startCoturn, startRedis, type Coturn, type RedisServer } from '../support/turn-servers.js';
import { bundleOpenViduBrowser, servePage, type PageServer } from './page.js';

const SECRET = 'turn-shared-secret';
const REDIS_PASSWORD = 'turn-db-pass';

interface Probe {
  iceServers: Array<{ urls: string[]; username?: string; credential?: string }>;
  candidates: string[];
  errors: string[];
  state: string;
}

void describe('TURN credentials through openvidu-browser 2.11.0 and Chrome, against a real coturn', () => {
  const host = randomLoopback();
  let h: Harness;
  let redis: RedisServer;
  let coturn: Coturn;
  let chromium: LaunchedBrowser;
  let context: BrowserContext;
  let pageServer: PageServer;
  let page: Page;
  const pageErrors: string[] = [];

  before(async () => {
    redis = await startRedis(REDIS_PASSWORD);
    coturn = await startCoturn(
      { redis: { port: redis.port, password: REDIS_PASSWORD, dbname: '0' } },
      { host, port: 3478 },
    );
    h = await boot({
      COTURN_SHARED_SECRET: SECRET,
      COTURN_REDIS_IP: '127.0.0.1',
      COTURN_REDIS_PORT: String(redis.port),
      COTURN_REDIS_PASSWORD: REDIS_PASSWORD,
      // The token names coturn's host; the page never dials the server itself.
      OPENVIDU_PUBLICURL: `https://${host}:4443`,
    });
    pageServer = await servePage(await bundleOpenViduBrowser());
    chromium = await launchChromium();
    context = await chromium.browser.newContext();
    page = await context.newPage();
    page.on('pageerror', (e) => pageErrors.push(`${e.name}: ${e.message}`));
    await page.goto(pageServer.url);
  });

  after(async () => {
    await context?.close();
    await chromium?.close();
    await pageServer?.close();
    await h?.close();
    await coturn?.close();
    await redis?.close();
  });

  const probe = async () => {
    const token = await createToken(h.url, await createSession(h.url));
    const user = new URL(token).searchParams.get('turnUsername')!;
    const result = await page.evaluate((t) => (globalThis as any).ovTest.turnProbe(t) as Promise<Probe>, token);
    return { token, user, result };
  };
  const relay = (p: Probe) => p.candidates.filter((c) => / typ relay /.test(c));

  void it('coturn.credentials=redis: coturn allocates Chrome a relay with the token user', async () => {
    const { user, result } = await probe();
    assert.deepEqual(result.iceServers[1].urls, [`turn:${host}:3478`, `turn:${host}:3478?transport=tcp`]);
    assert.equal(result.iceServers[1].username, user);
    assert.ok(await redis.client(0).get(`turn/realm/openvidu/user/${user}/key`), 'the user is in redis');
    // One relay per way Chrome reached coturn (over UDP and over TCP), each on coturn's host.
    assert.ok(
      relay(result).length >= 1,
      `relay candidate: ${result.candidates.join(' | ')} ${result.errors.join(' | ')}`,
    );
    for (const c of relay(result)) assert.ok(c.includes(` ${host} `), c);
    assert.deepEqual(pageErrors, []);
  });

  void it("coturn.credentials=rest-api: the credential loses its '=' in openvidu-browser 2.11, and coturn refuses it", async () => {
    // The same host now runs coturn's shared-secret scheme instead of the redis users.
    await coturn.close();
    coturn = await startCoturn({ sharedSecret: SECRET }, { host, port: 3478 });
    const r = await rest(h.url, 'POST', '/pro/restart', { 'coturn.credentials': 'rest-api' });
    assert.equal(r.status, 200, r.text);
    const { token, result } = await probe();
    const sent = token.slice(token.indexOf('&turnCredential=') + 16);
    assert.match(sent, /=$/, 'the server sent the padded credential');
    assert.equal(result.iceServers[1].credential, sent.slice(0, -1), 'openvidu-browser cut the "="');
    assert.equal(relay(result).length, 0, `no relay: ${result.candidates.join(' | ')}`);
    assert.ok(
      result.errors.some((e) => e.startsWith('401 ')),
      `coturn answered 401: ${result.errors.join(' | ')}`,
    );
    assert.deepEqual(pageErrors, []);
  });
});
