// The page side is untyped browser code (openvidu-browser objects, the page global): `any` is its honest type.
/* eslint-disable @typescript-eslint/no-explicit-any */
// TURN credentials end to end with openvidu-browser 2.11.0 in Chromium: the page reads a token
// with openvidu-browser's own Session#processToken and Chrome's TURN client authenticates an
// Allocate with the iceServers it built (turn:<token host>:3478, as WebRtcPeer passes them). A
// TURN responder checks the Allocate's MESSAGE-INTEGRITY the way coturn does, with the key coturn
// would read: from its redis (dbd_redis, `turn/realm/<realm>/user/<name>/key`) for
// coturn.credentials=redis, recomputed from the shared secret (userdb.c get_user_key,
// use-auth-secret) for rest-api. OpenVidu 2.11 sources: TokenGeneratorDefault,
// BashCoturnCredentialsService, openvidu-browser Session#processToken.
import assert from 'node:assert/strict';
import { createHash, createHmac } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import type { BrowserContext, Page } from 'playwright-core';
import { launchChromium, type LaunchedBrowser } from '../support/chromium.js';
import { startRedisStub, type RedisStub } from '../support/redis-stub.js';
import { createSession, createToken } from '../support/api.js';
import { boot, type Harness } from '../support/boot.js';
import { rest } from '../support/http.js';
import { bundleOpenViduBrowser, servePage, type PageServer } from './page.js';
import { startTurnResponder, type TurnResponder } from './turn-responder.js';

const SECRET = 'turn-shared-secret';
const REALM = 'openvidu';

interface Probe {
  iceServers: Array<{ urls: string[]; username?: string; credential?: string }>;
  candidates: string[];
  errors: string[];
  state: string;
}

void describe('TURN credentials through openvidu-browser 2.11.0 and Chrome, checked as coturn checks them', () => {
  let h: Harness;
  let redis: RedisStub;
  let turn: TurnResponder;
  let chromium: LaunchedBrowser;
  let context: BrowserContext;
  let pageServer: PageServer;
  let page: Page;
  const pageErrors: string[] = [];

  before(async () => {
    redis = await startRedisStub('turn-db-pass');
    turn = await startTurnResponder(REALM, (username) => {
      const stored = redis.get(0, `turn/realm/${REALM}/user/${username}/key`);
      if (stored) return Buffer.from(stored, 'hex');
      // No redis user: the key coturn's use-auth-secret derives from the shared secret.
      const password = createHmac('sha1', SECRET).update(username).digest('base64');
      return createHash('md5').update(`${username}:${REALM}:${password}`).digest();
    });
    h = await boot({
      COTURN_SHARED_SECRET: SECRET,
      COTURN_REDIS_IP: '127.0.0.1',
      COTURN_REDIS_PORT: String(redis.port),
      COTURN_REDIS_PASSWORD: 'turn-db-pass',
      // The token names the TURN responder's host; the page never dials the server itself.
      OPENVIDU_PUBLICURL: `https://${turn.host}:4443`,
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
    await turn?.close();
    await redis?.close();
  });

  const probe = async () => {
    const token = await createToken(h.url, await createSession(h.url));
    const user = new URL(token).searchParams.get('turnUsername')!;
    const result = await page.evaluate((t) => (globalThis as any).ovTest.turnProbe(t) as Promise<Probe>, token);
    return { token, user, result };
  };
  const relay = (p: Probe) => p.candidates.filter((c) => / typ relay /.test(c));

  void it('coturn.credentials=redis: Chrome proves the key stored for the token, and gets its relay candidate', async () => {
    const { user, result } = await probe();
    assert.deepEqual(result.iceServers[1].urls, [`turn:${turn.host}:3478`, `turn:${turn.host}:3478?transport=tcp`]);
    assert.equal(result.iceServers[1].username, user);
    assert.ok(redis.get(0, `turn/realm/${REALM}/user/${user}/key`), 'the user is in redis');
    const mine = turn.allocates.filter((a) => a.username === user);
    assert.ok(mine.length > 0, `Chrome sent an authenticated Allocate for ${user}`);
    assert.ok(
      mine.every((a) => a.verified && a.realm === REALM),
      JSON.stringify(mine),
    );
    assert.equal(relay(result).length, 1, `relay candidate: ${result.candidates.join(' | ')}`);
    assert.match(relay(result)[0], new RegExp(` ${turn.host.replace(/\./g, '\\.')} 50000 typ relay `));
    assert.deepEqual(pageErrors, []);
  });

  void it("coturn.credentials=rest-api: the credential loses its '=' in openvidu-browser 2.11, and coturn's check fails", async () => {
    const r = await rest(h.url, 'POST', '/pro/restart', { 'coturn.credentials': 'rest-api' });
    assert.equal(r.status, 200, r.text);
    const { token, user, result } = await probe();
    const sent = token.slice(token.indexOf('&turnCredential=') + 16);
    assert.match(sent, /=$/, 'the server sent the padded credential');
    assert.equal(result.iceServers[1].credential, sent.slice(0, -1), 'openvidu-browser cut the "="');
    const mine = turn.allocates.filter((a) => a.username === user);
    assert.ok(mine.length > 0, `Chrome sent an authenticated Allocate for ${user}`);
    assert.ok(
      mine.every((a) => !a.verified),
      'use-auth-secret refuses it',
    );
    assert.equal(relay(result).length, 0);
    assert.deepEqual(pageErrors, []);
  });
});
