// Operator and app-backend input with a size or a shape that would hurt later: refused with a 400 (or
// 429 past the session count) and nothing changed.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createSession } from '../support/api.js';
import { boot, type Harness } from '../support/boot.js';
import { rest } from '../support/http.js';

void describe('REST limits', () => {
  let h: Harness;
  before(async () => {
    h = await boot({
      OPENVIDU_SESSIONS_MAX: '4',
      OPENVIDU_SESSIONS_MAX_METADATA_LENGTH: '50',
      OPENVIDU_SESSIONS_MAX_ALLOWED_FILTERS: '5',
    });
  });
  after(() => h?.close());

  void it('answers 429 with a JSON message past openvidu.sessions.max, and takes sessions again after a delete', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 4; i++) ids.push(await createSession(h.url));
    const r = await rest(h.url, 'POST', '/api/sessions', {});
    assert.equal(r.status, 429);
    assert.match(r.json<{ message: string }>().message, /openvidu\.sessions\.max/);
    assert.equal((await rest(h.url, 'GET', '/api/sessions')).json<{ numberOfElements: number }>().numberOfElements, 4);
    for (const id of ids) assert.equal((await rest(h.url, 'DELETE', `/api/sessions/${id}`)).status, 204);
    await createSession(h.url);
    await rest(h.url, 'DELETE', '/api/sessions').catch(() => undefined);
  });

  void it('refuses token data past the metadata limit and allowedFilters past its bound, de-duplicates in order', async () => {
    const session = await createSession(h.url);
    const tooLong = await rest(h.url, 'POST', '/api/tokens', { session, data: 'd'.repeat(51) });
    assert.equal(tooLong.status, 400);
    assert.match(tooLong.json<{ message: string }>().message, /'data'/);
    const many = await rest(h.url, 'POST', '/api/tokens', {
      session,
      kurentoOptions: { allowedFilters: ['a', 'b', 'c', 'd', 'e', 'f'] },
    });
    assert.equal(many.status, 400);
    // 20,000 distinct names (the O(n²) de-duplication froze the loop on such a body): refused at once.
    const distinct = Array.from({ length: 20_000 }, (_, i) => `f${i}`);
    const refused = await rest(h.url, 'POST', '/api/tokens', { session, kurentoOptions: { allowedFilters: distinct } });
    assert.equal(refused.status, 400);
    // 30,000 entries of 5 names: linear de-duplication, first-seen order.
    const big = Array.from(
      { length: 30_000 },
      (_, i) => ['GStreamerFilter', 'FaceOverlayFilter', 'a', 'b', 'c'][i % 5],
    );
    const ok = await rest(h.url, 'POST', '/api/tokens', { session, kurentoOptions: { allowedFilters: big } });
    assert.equal(ok.status, 200, ok.text);
    assert.deepEqual(ok.json<{ kurentoOptions: { allowedFilters: string[] } }>().kurentoOptions.allowedFilters, [
      'GStreamerFilter',
      'FaceOverlayFilter',
      'a',
      'b',
      'c',
    ]);
    await rest(h.url, 'DELETE', `/api/sessions/${session}`);
  });

  void it('refuses webhook headers with CR, LF or NUL, and the names the sender sets itself', async () => {
    for (const header of [
      'Authorization: Basic abc\r\nX-Injected: 1',
      'X-Token: a\nb',
      'X-Token: a\u0000b',
      'X-Token: \u{1F600}',
      'Host: example.org',
      'Content-Length: 10',
      'Transfer-Encoding: chunked',
    ]) {
      const r = await rest(h.url, 'POST', '/pro/restart', { 'openvidu.webhook.headers': [header] });
      assert.equal(r.status, 400, JSON.stringify(header));
      assert.ok(!r.text.includes('abc'), 'a header value is not echoed');
    }
    const cfg = await rest(h.url, 'GET', '/pro/config');
    assert.deepEqual(cfg.json<Record<string, unknown>>().OPENVIDU_WEBHOOK_HEADERS ?? [], []);
  });

  void it('refuses a /pro/restart secret that is too long, control characters, or a lone surrogate', async () => {
    for (const secret of ['s'.repeat(129), 'nul\u0000', 'new\nline', 'cr\rhere', '\ud800', 'ok\ud83d']) {
      const r = await rest(h.url, 'POST', '/pro/restart', { 'openvidu.secret': secret });
      assert.equal(r.status, 400, JSON.stringify(secret));
      assert.ok(!r.text.includes(secret), 'the refused secret is not echoed');
    }
    // The old secret still works (the helper authenticates with it).
    assert.equal((await rest(h.url, 'GET', '/api/sessions')).status, 200);
  });
});
