// The page side is untyped browser code (openvidu-browser objects, the page global): `any` is its honest type.
/* eslint-disable @typescript-eslint/no-explicit-any */
// openvidu-browser 2.11.0 (from npm, bundled at test time) in Debian's Chromium against the real app
// over HTTPS (its self-signed certificate) and the Kurento emulator: three participants connect,
// publish, subscribe, signal, toggle audio/video, share and resize a screen, force-disconnect and
// leave, in a session with a custom id. Chrome negotiates with the emulator's SDP answers; no media
// flows, so Chrome's ICE fails: the suite waits for that and shows signalling going on after it. No
// page may throw, and the REST views must agree.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { BrowserContext, Page } from 'playwright-core';
import { launchChromium, type LaunchedBrowser } from '../support/chromium.js';
import { createToken, type SessionJson } from '../support/api.js';
import { boot, type Harness } from '../support/boot.js';
import { rest } from '../support/http.js';
import { until } from '../support/poll.js';
import { bundleOpenViduBrowser, servePage, type PageServer } from './page.js';

type Ev = Record<string, unknown> & { type: string };

/** A custom id with the characters openvidu-browser's decodeURI leaves escaped. */
const SESSION = 'room:1 @team+a,b;c';

void describe('openvidu-browser 2.11.0 in Chromium (real browser, real app, emulated media server)', () => {
  let h: Harness;
  let chromium: LaunchedBrowser;
  let context: BrowserContext;
  let pageServer: PageServer;
  const pages = new Map<string, Page>();
  const pageErrors: string[] = [];
  const ids = new Map<string, string>();
  const streams = new Map<string, string>();

  const page = (name: string) => pages.get(name)!;
  const events = (name: string) => page(name).evaluate((n) => (globalThis as any).ovTest.events(n) as Ev[], name);
  const waitEvent = (name: string, what: string, pred: (e: Ev) => boolean) =>
    until(`${name}: ${what}`, async () => (await events(name)).find(pred), 15000);
  const sessionJson = async () => {
    const r = await rest(h.url, 'GET', `/api/sessions/${encodeURIComponent(SESSION)}`);
    assert.equal(r.status, 200, r.text);
    return r.json<SessionJson>();
  };

  before(async () => {
    // HTTPS as openvidu-browser always dials wss://<token host>/openvidu.
    h = await boot({ SERVER_SSL_ENABLED: 'true' });
    pageServer = await servePage(await bundleOpenViduBrowser());
    chromium = await launchChromium();
    const ua = (
      await chromium.browser.newPage().then(async (p) => {
        const v = await p.evaluate(() => (globalThis as any).navigator.userAgent as string);
        await p.close();
        return v;
      })
    ).replace('HeadlessChrome', 'Chrome');
    // A desktop Chrome user agent (openvidu-browser refuses browsers it does not know); the
    // server's self-signed certificate is accepted as a user would after /accept-certificate.
    context = await chromium.browser.newContext({ ignoreHTTPSErrors: true, userAgent: ua });
    const created = await rest(h.url, 'POST', '/api/sessions', { customSessionId: SESSION });
    assert.equal(created.status, 200, created.text);
  });

  after(async () => {
    await context?.close();
    await chromium?.close();
    await pageServer?.close();
    await h?.close();
  });

  const open = async (name: string) => {
    const p = await context.newPage();
    p.on('pageerror', (e) => pageErrors.push(`${name}: ${e.name}: ${e.message}`));
    await p.goto(pageServer.url);
    pages.set(name, p);
    return p;
  };

  void it('three participants connect with tokens of a custom session id (: @ + , ;)', async () => {
    for (const [name, role] of [
      ['alice', 'MODERATOR'],
      ['bob', 'PUBLISHER'],
      ['carol', 'PUBLISHER'],
    ] as const) {
      const p = await open(name);
      const token = await createToken(h.url, SESSION, role, `server-${name}`);
      const joined = await p.evaluate(
        ([n, t]) =>
          (globalThis as any).ovTest.join(n, t, JSON.stringify({ clientData: n })) as Promise<{
            connectionId: string;
            sessionId: string;
          }>,
        [name, token] as const,
      );
      assert.equal(joined.sessionId, SESSION, `${name}: openvidu-browser read the custom id from its token`);
      ids.set(name, joined.connectionId);
    }
    await waitEvent(
      'alice',
      'carol connected',
      (e) => e.type === 'connectionCreated' && e.connectionId === ids.get('carol'),
    );
    const json = await sessionJson();
    assert.deepEqual(
      json.connections.content.map((c) => [c.connectionId, c.clientData, c.role]),
      [
        [ids.get('alice'), '{"clientData":"alice"}', 'MODERATOR'],
        [ids.get('bob'), '{"clientData":"bob"}', 'PUBLISHER'],
        [ids.get('carol'), '{"clientData":"carol"}', 'PUBLISHER'],
      ],
    );
  });

  void it("publish and subscribe: Chrome accepts the emulator's SDP answers; frameRate -1 survives", async () => {
    // bob gives no frame rate, so openvidu-browser sends -1; carol asks for 15.
    for (const [name, fps] of [
      ['bob', false],
      ['carol', true],
    ] as const) {
      const streamId = await page(name).evaluate(
        ([n, f]) => (globalThis as any).ovTest.publish(n, f) as Promise<string>,
        [name, fps] as const,
      );
      assert.match(streamId, new RegExp(`^${ids.get(name)}_CAMERA_[A-Z]{5}$`));
      streams.set(name, streamId);
    }
    // Every other participant subscribes to each stream (setRemoteDescription of our answer succeeds).
    for (const [viewer, target] of [
      ['alice', 'bob'],
      ['alice', 'carol'],
      ['bob', 'carol'],
      ['carol', 'bob'],
    ]) {
      const done = await waitEvent(
        viewer,
        `subscribed to ${target}`,
        (e) => (e.type === 'subscribed' || e.type === 'subscribeFailed') && e.streamId === streams.get(target),
      );
      assert.equal(done.type, 'subscribed', `${viewer} → ${target}: ${String(done.error)}`);
    }
    const created = await waitEvent(
      'alice',
      'bob stream',
      (e) => e.type === 'streamCreated' && e.streamId === streams.get('bob'),
    );
    assert.equal(created.frameRate, null, 'openvidu-browser maps -1 back to "unknown"');
    const json = await sessionJson();
    const byId = new Map(json.connections.content.map((c) => [c.connectionId, c]));
    assert.equal(byId.get(ids.get('bob')!)!.publishers[0].mediaOptions.frameRate, -1);
    assert.equal(byId.get(ids.get('carol')!)!.publishers[0].mediaOptions.frameRate, 15);
    assert.deepEqual(
      json.connections.content.map((c) => [c.publishers.length, c.subscribers.length]),
      [
        [0, 2],
        [1, 1],
        [1, 1],
      ],
    );
  });

  void it('signals reach everyone or only the chosen recipients', async () => {
    await page('bob').evaluate(
      () => (globalThis as any).ovTest.signal('bob', 'hello all', 'chat', []) as Promise<void>,
    );
    for (const name of ['alice', 'bob', 'carol']) {
      const s = await waitEvent(name, 'broadcast signal', (e) => e.type === 'signal' && e.data === 'hello all');
      assert.equal(s.signalType, 'signal:chat');
      assert.equal(s.from, ids.get('bob'));
    }
    await page('alice').evaluate(
      (to) => (globalThis as any).ovTest.signal('alice', 'just carol', 'dm', [to]) as Promise<void>,
      ids.get('carol')!,
    );
    await waitEvent('carol', 'direct signal', (e) => e.type === 'signal' && e.data === 'just carol');
    await page('alice').evaluate(
      (to) => (globalThis as any).ovTest.signal('alice', 'marker', 'dm', [to]) as Promise<void>,
      ids.get('bob')!,
    );
    await waitEvent('bob', 'marker', (e) => e.type === 'signal' && e.data === 'marker');
    assert.equal((await events('bob')).filter((e) => e.data === 'just carol').length, 0);
  });

  void it('audio and video toggles reach the others as streamPropertyChanged with the right values', async () => {
    const bobStream = streams.get('bob')!;
    const seen = async (name: string, prop: string, value: boolean) =>
      waitEvent(
        name,
        `${prop}=${value}`,
        (e) =>
          e.type === 'streamPropertyChanged' &&
          e.streamId === bobStream &&
          e.changedProperty === prop &&
          e.newValue === value,
      );
    await page('bob').evaluate(() => (globalThis as any).ovTest.publishAudio('bob', false));
    for (const name of ['alice', 'carol']) {
      const e = await seen(name, 'audioActive', false);
      assert.deepEqual([e.oldValue, e.audioActive, e.reason], [true, false, 'publishAudio']);
    }
    await page('bob').evaluate(() => (globalThis as any).ovTest.publishVideo('bob', false));
    for (const name of ['alice', 'carol']) await seen(name, 'videoActive', false);
    await page('bob').evaluate(() => (globalThis as any).ovTest.publishAudio('bob', true));
    for (const name of ['alice', 'carol']) {
      const e = await seen(name, 'audioActive', true);
      assert.deepEqual([e.oldValue, e.audioActive], [false, true]);
    }
    const json = await sessionJson();
    const opts = json.connections.content.find((c) => c.connectionId === ids.get('bob'))!.publishers[0].mediaOptions;
    assert.deepEqual([opts.audioActive, opts.videoActive], [true, false]);
  });

  void it("a screen share's resize reaches the others as a parsed videoDimensions change, and only them", async () => {
    const alice = ids.get('alice')!;
    const screen = await page('alice').evaluate(
      () => (globalThis as any).ovTest.publishScreen('alice', 640, 360) as Promise<string>,
    );
    assert.match(screen, new RegExp(`^${alice}_SCREEN_[A-Z]{5}$`));
    for (const name of ['bob', 'carol']) {
      const created = await waitEvent(
        name,
        'screen created',
        (e) => e.type === 'streamCreated' && e.streamId === screen,
      );
      assert.equal(created.typeOfVideo, 'SCREEN');
      assert.deepEqual(created.videoDimensions, { width: 640, height: 360 });
      const done = await waitEvent(
        name,
        'subscribed to the screen',
        (e) => (e.type === 'subscribed' || e.type === 'subscribeFailed') && e.streamId === screen,
      );
      assert.equal(done.type, 'subscribed', String(done.error));
    }
    // openvidu-browser's own watch (every 500 ms) sees the new size and sends streamPropertyChanged.
    await page('alice').evaluate(() => (globalThis as any).ovTest.resizeScreen('alice', 800, 600));
    for (const name of ['bob', 'carol']) {
      const e = await waitEvent(
        name,
        'videoDimensions 800x600',
        (x) => x.type === 'streamPropertyChanged' && x.streamId === screen && x.changedProperty === 'videoDimensions',
      );
      assert.deepEqual(e.newValue, { width: 800, height: 600 }, 'JSON.parse(JSON.parse(newValue)) gave an object');
      assert.deepEqual(e.oldValue, { width: 640, height: 360 });
      assert.deepEqual(e.videoDimensions, { width: 800, height: 600 });
      assert.equal(e.reason, 'screenResized');
    }
    // A signal alice gets back after the change: any notification of it to her would be in before.
    await page('alice').evaluate(
      () => (globalThis as any).ovTest.signal('alice', 'after resize', 'mark', []) as Promise<void>,
    );
    await waitEvent('alice', 'own marker', (e) => e.type === 'signal' && e.data === 'after resize');
    const own = (await events('alice')).filter(
      (e) => e.type === 'streamPropertyChanged' && e.changedProperty === 'videoDimensions',
    );
    assert.equal(own.length, 1, 'the owner only has its local event (SessionEventsHandler notifies the others)');
    const json = await sessionJson();
    const opts = json.connections.content.find((c) => c.connectionId === alice)!.publishers[0].mediaOptions;
    assert.equal(opts.videoDimensions, '{"width":800,"height":600}');
    await page('alice').evaluate(() => (globalThis as any).ovTest.unpublishScreen('alice'));
    for (const name of ['bob', 'carol']) {
      const gone = await waitEvent(name, 'screen gone', (e) => e.type === 'streamDestroyed' && e.streamId === screen);
      assert.equal(gone.reason, 'unpublish');
    }
  });

  void it("Chrome's ICE fails (no media path to the emulator); signalling and REST go on unchanged", async () => {
    const states = async () => {
      const all: string[] = [];
      for (const name of ['alice', 'bob', 'carol']) {
        const s = await page(name).evaluate((n) => (globalThis as any).ovTest.peerStates(n) as string[], name);
        all.push(...s.map((x) => `${name}.${x}`));
      }
      return all;
    };
    // Bob's and carol's publishers and the four subscriptions: Chrome gives up on each (about 15 s
    // after it was created, Chrome's own timers).
    let last: string[] = [];
    const failed = await until(
      'every peer connection failed',
      async () => {
        last = await states();
        return last.length === 6 && last.every((x) => x.endsWith('/failed')) ? last : undefined;
      },
      60000,
    ).catch((e: Error) => assert.fail(`${e.message}: ${last.join(' ')}`));
    assert.equal(failed.length, 6, failed.join(' '));
    await page('carol').evaluate(
      () => (globalThis as any).ovTest.signal('carol', 'after ice failure', 'chat', []) as Promise<void>,
    );
    for (const name of ['alice', 'bob', 'carol']) {
      const s = await waitEvent(
        name,
        'signal after ICE failure',
        (e) => e.type === 'signal' && e.data === 'after ice failure',
      );
      assert.equal(s.from, ids.get('carol'));
    }
    await page('bob').evaluate(() => (globalThis as any).ovTest.publishVideo('bob', true));
    for (const name of ['alice', 'carol']) {
      await waitEvent(
        name,
        'videoActive=true after ICE failure',
        (e) =>
          e.type === 'streamPropertyChanged' &&
          e.streamId === streams.get('bob') &&
          e.changedProperty === 'videoActive' &&
          e.newValue === true,
      );
    }
    const json = await sessionJson();
    assert.deepEqual(
      json.connections.content.map((c) => [c.connectionId, c.publishers.length, c.subscribers.length]),
      [
        [ids.get('alice'), 0, 2],
        [ids.get('bob'), 1, 1],
        [ids.get('carol'), 1, 1],
      ],
    );
    assert.deepEqual(pageErrors, []);
  });

  void it('a moderator force-disconnects carol: she is told why, the others see her go', async () => {
    await page('alice').evaluate(
      (id) => (globalThis as any).ovTest.forceDisconnect('alice', id) as Promise<void>,
      ids.get('carol')!,
    );
    const gone = await waitEvent('carol', 'sessionDisconnected', (e) => e.type === 'sessionDisconnected');
    assert.equal(gone.reason, 'forceDisconnectByUser');
    const seen = await waitEvent(
      'bob',
      'carol destroyed',
      (e) => e.type === 'connectionDestroyed' && e.connectionId === ids.get('carol'),
    );
    assert.equal(seen.reason, 'forceDisconnectByUser');
    await waitEvent(
      'bob',
      'carol stream destroyed',
      (e) => e.type === 'streamDestroyed' && e.streamId === streams.get('carol'),
    );
    await until('REST shows two connections', async () => (await sessionJson()).connections.numberOfElements === 2);
  });

  void it('bob leaves; alice sees it; the session closes after her; no page ever threw', async () => {
    await page('bob').evaluate(() => (globalThis as any).ovTest.disconnect('bob'));
    const seen = await waitEvent(
      'alice',
      'bob left',
      (e) => e.type === 'connectionDestroyed' && e.connectionId === ids.get('bob'),
    );
    assert.equal(seen.reason, 'disconnect');
    const json = await sessionJson();
    assert.deepEqual(
      json.connections.content.map((c) => [c.connectionId, c.publishers.length, c.subscribers.length]),
      [[ids.get('alice'), 0, 0]],
    );
    await page('alice').evaluate(() => (globalThis as any).ovTest.disconnect('alice'));
    await until(
      'session closed',
      async () => (await rest(h.url, 'GET', `/api/sessions/${encodeURIComponent(SESSION)}`)).status === 404,
    );
    assert.deepEqual(pageErrors, [], 'no uncaught error on any page');
  });
});
