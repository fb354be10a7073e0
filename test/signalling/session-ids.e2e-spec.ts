// Custom session ids through the token, as openvidu-browser 2.10/2.11 reads it (Session#processToken:
// `decodeURI` of the query, split on `&` and `=`), against the real app. OpenVidu 2.11
// (SessionRestController#getSessionId, TokenGeneratorDefault) accepts any id and writes it raw into the
// token; every id we accept must be joinable that way, and the others are refused at creation.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { browserReadsToken } from '../support/openvidu-browser-token.js';
import { createToken } from '../support/api.js';
import { boot, type Harness } from '../support/boot.js';
import { rest } from '../support/http.js';
import { Peer } from '../support/rpc.js';

const JOINABLE = [
  'room:1',
  'user@example.com',
  'a+b',
  'x,y;z',
  'path/like/id',
  'dollar$',
  'with space',
  '100%',
  '%3A',
  'quote"and<angle>',
  'ünïcødé',
  'emoji😀',
  "paren(s)!~*'",
  'x'.repeat(512),
];

const REFUSED: Array<[string, RegExp]> = [
  ['a&b', /cannot contain '&', '=', '\?' or '#'/],
  ['a=b', /cannot contain '&', '=', '\?' or '#'/],
  ['a?b', /cannot contain '&', '=', '\?' or '#'/],
  ['a#b', /cannot contain '&', '=', '\?' or '#'/],
  ['nul\u0000', /control characters/],
  ['line\nbreak', /control characters/],
  ['tab\there', /control characters/],
  ['del\u007f', /control characters/],
  ['lone\ud800', /unpaired surrogates/],
  ['\udc00lone', /unpaired surrogates/],
  ['x'.repeat(513), /longer than 512 characters/],
];

void describe('custom session ids through the token (openvidu-browser Session#processToken)', () => {
  let h: Harness;
  const peers: Peer[] = [];

  before(async () => {
    h = await boot();
  });
  after(async () => {
    for (const p of peers) await p.rpc.close();
    await h?.close();
  });

  for (const id of JOINABLE) {
    void it(`${JSON.stringify(id.length > 40 ? `${id.slice(0, 12)}…(${id.length})` : id)} is created, read back from its token and joined`, async () => {
      const created = await rest(h.url, 'POST', '/api/sessions', { customSessionId: id });
      assert.equal(created.status, 200, created.text);
      assert.equal(created.json<{ id: string }>().id, id);
      const token = await createToken(h.url, id);
      const read = browserReadsToken(token);
      assert.equal(read.sessionId, id, 'openvidu-browser reads the id back unchanged');
      assert.equal(read.openvidu.wsUri, `wss://localhost:${new URL(h.url).port}/openvidu`);
      // joinRoom exactly as the browser sends it: session = what it read, token = the whole string.
      const peer = await Peer.join(h, read.sessionId, token, 'meta');
      peers.push(peer);
      const json = await rest(h.url, 'GET', `/api/sessions/${encodeURIComponent(id)}`);
      assert.equal(json.status, 200);
      const body = json.json<{
        sessionId: string;
        connections: { content: Array<{ connectionId: string; token: string }> };
      }>();
      assert.equal(body.sessionId, id);
      assert.deepEqual(
        body.connections.content.map((c) => [c.connectionId, c.token]),
        [[peer.id, token]],
      );
      await peer.leave();
    });
  }

  void it('ids no token can carry, control characters, lone surrogates and over-long ids: 400 saying why', async () => {
    for (const [id, why] of REFUSED) {
      const r = await rest(h.url, 'POST', '/api/sessions', { customSessionId: id });
      assert.equal(r.status, 400, `${JSON.stringify(id.slice(0, 20))}: ${r.text}`);
      const body = r.json<{ status: number; message: string; path: string }>();
      assert.equal(body.status, 400);
      assert.equal(body.path, '/api/sessions');
      assert.match(body.message, why);
      assert.ok(!body.message.includes(id), 'the refused id is not echoed');
    }
    const list = (await rest(h.url, 'GET', '/api/sessions')).json<{ content: Array<{ sessionId: string }> }>();
    assert.ok(!list.content.some((s) => REFUSED.some(([id]) => s.sessionId === id)), 'nothing was created');
  });
});
