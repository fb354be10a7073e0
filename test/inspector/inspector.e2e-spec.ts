// The Inspector in Debian's Chromium: logs in with Basic credentials, sees both emulated media
// servers and a live session appear, closes a session and force-disconnects a connection from the
// page, edits a restartable property, sees a media server turn DOWN once its emulator stops, and
// saves a screenshot as a CI artefact (artifacts/inspector.png).
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import type { BrowserContext, Page } from 'playwright-core';
import { launchChromium, type LaunchedBrowser } from '../support/chromium.js';
import { createSession, sessionJson } from '../support/api.js';
import { boot, type Harness } from '../support/boot.js';
import { SECRET } from '../support/fixtures.js';
import { rest } from '../support/http.js';
import { Peer } from '../support/rpc.js';

const ARTIFACTS = 'artifacts';

void describe('Inspector page in a real browser', () => {
  let h: Harness;
  let chromium: LaunchedBrowser;
  let context: BrowserContext;
  let page: Page;
  const pageErrors: string[] = [];
  const peers: Peer[] = [];

  before(async () => {
    h = await boot({}, 2);
    chromium = await launchChromium();
    context = await chromium.browser.newContext({
      httpCredentials: { username: 'OPENVIDUAPP', password: SECRET },
      viewport: { width: 1440, height: 900 },
    });
    page = await context.newPage();
    page.on('pageerror', (e) => pageErrors.push(e.message));
    page.on('dialog', (d) => void d.accept());
  });
  after(async () => {
    for (const p of peers) await p.rpc.close();
    await context?.close();
    await chromium?.close();
    await h?.close();
  });

  const row = (attr: string, id: string) => page.locator(`tr[${attr}="${id}"]`);

  void it('needs credentials; / leads to /inspector, which shows both media servers live', async () => {
    const denied = await fetch(`${h.url}/inspector`);
    assert.equal(denied.status, 401);
    assert.equal(denied.headers.get('www-authenticate'), 'Basic realm="OpenVidu"', 'the browser asks for a login');

    const res = await page.goto(`${h.url}/`);
    assert.equal(res?.status(), 200);
    assert.equal(new URL(page.url()).pathname, '/inspector');
    await page.locator('#link.up').waitFor();
    for (const s of h.pool.list()) {
      await row('data-media-server', s.id).locator('.state', { hasText: 'connected' }).waitFor();
    }
    assert.equal(await page.locator('tr[data-media-server]').count(), 2);
  });

  void it('a live session appears with its connections; closing it from the page ends it for everyone', async () => {
    const s = await createSession(h.url);
    const pub = await Peer.withRole(h, s, 'PUBLISHER');
    peers.push(pub);
    await pub.publish();
    const sessionRow = row('data-session', s);
    await sessionRow.locator(`li[data-connection="${pub.id}"]`, { hasText: 'publishing' }).waitFor();
    const host = (await sessionJson(h.url, s)) && h.pool.list().find((m) => m.sessions.some((x) => x.sessionId === s));
    assert.ok(host);
    assert.equal((await sessionRow.locator('td').nth(1).textContent())?.trim(), host.id);

    await sessionRow.locator('button[data-action="close-session"]').click();
    const ev = await pub.rpc.waitFor('participantEvicted', (p) => p.connectionId === pub.id);
    assert.equal(ev.params.reason, 'sessionClosedByServer');
    await sessionRow.waitFor({ state: 'detached' });
    assert.equal(await sessionJson(h.url, s), null);
  });

  void it('force-disconnects one connection and applies a restartable property from the page', async () => {
    const s = await createSession(h.url);
    const a = await Peer.withRole(h, s, 'PUBLISHER');
    const b = await Peer.withRole(h, s, 'SUBSCRIBER');
    peers.push(a, b);
    await a.publish();
    await b.subscribe(a.streamId);
    const conn = page.locator(`li[data-connection="${b.id}"]`);
    await conn.waitFor();
    await conn.locator('button[data-action="disconnect"]').click();
    const ev = await b.rpc.waitFor('participantEvicted', (p) => p.connectionId === b.id);
    assert.equal(ev.params.reason, 'forceDisconnectByServer');
    await conn.waitFor({ state: 'detached' });
    assert.equal((await sessionJson(h.url, s))?.connections.numberOfElements, 1);

    const cdr = page.locator('tr[data-property="openvidu.cdr"]');
    await cdr.locator('select').selectOption('true');
    await cdr.locator('button').click();
    await cdr.locator('td').nth(1).filter({ hasText: 'true' }).waitFor();
    assert.equal((await rest(h.url, 'GET', '/pro/config')).json().openviduCdr, true);
  });

  void it('shows a media server DOWN once its emulator stops, and saves a screenshot', async () => {
    const lost = h.pool.list().find((m) => m.sessions.length === 0)!;
    await h.emus.find((e) => e.uri === lost.uri)!.down();
    const r = row('data-media-server', lost.id);
    await page.locator(`tr[data-media-server="${lost.id}"][data-connected="false"]`).waitFor();
    assert.equal((await r.locator('.state').textContent())?.trim(), 'DOWN');
    assert.equal(await page.locator('tr[data-media-server][data-connected="true"]').count(), 1);
    mkdirSync(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: `${ARTIFACTS}/inspector.png`, fullPage: true });
    assert.deepEqual(pageErrors, []);
  });
});
