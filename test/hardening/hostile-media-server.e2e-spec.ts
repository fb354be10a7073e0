// A media server that answers with malformed frames (a compromised node, a wrong KMS_URIS, anyone
// on a plain ws:// path) must never take the process down: the call fails, the server keeps serving.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { bootBehindProxy, type KmsProxy, type KmsRequest, type ProxiedApp } from '../support/kms-proxy.js';
import { createSession, createToken } from '../support/api.js';
import { rest } from '../support/http.js';
import { Peer, RpcClient } from '../support/rpc.js';

const isCreate = (r: KmsRequest | undefined, type: string) => r?.method === 'create' && r.params?.type === type;

void describe('a media server answering malformed results', () => {
  let h: ProxiedApp;
  let proxy: KmsProxy;

  before(async () => {
    h = await bootBehindProxy({ KMS_REQUEST_TIMEOUT: '1500', KMS_MAX_FRAME_SIZE: String(64 * 1024) });
    proxy = h.proxy;
  });

  after(() => h?.close());

  const malformed: Array<[string, (id: unknown) => unknown]> = [
    // kurento-client's MediaObjectCreator throws "Unknown type '[object Object]'" on this.
    ['an object where the id belongs', (id) => ({ jsonrpc: '2.0', id, result: { value: {}, sessionId: 's' } })],
    // kurento-client reads result.sessionId of a null result.
    ['a null result', (id) => ({ jsonrpc: '2.0', id, result: null })],
    ['a number result', (id) => ({ jsonrpc: '2.0', id, result: 7 })],
    ['an error that is a string', (id) => ({ jsonrpc: '2.0', id, error: 'boom' })],
    ['both result and error', (id) => ({ jsonrpc: '2.0', id, result: {}, error: { code: 1 } })],
    ['text that is not JSON', () => '{"jsonrpc":"2.0","id":'],
    ['a JSON array', (id) => [{ jsonrpc: '2.0', id, result: { value: 'x' } }]],
    // Past kms.max-frame-size the socket is cut while the frame is read (kurento-client reconnects).
    [
      'a frame larger than kms.max-frame-size',
      (id) => ({ jsonrpc: '2.0', id, result: { value: 'x'.repeat(200_000) } }),
    ],
    [
      'an event for an internal kurento-client name',
      () => ({
        jsonrpc: '2.0',
        method: 'onEvent',
        params: { value: { object: 'x', type: '_rpc', data: {} } },
      }),
    ],
  ];

  for (const [what, reply] of malformed) {
    void it(`survives ${what} to createPipeline: joinRoom fails with an error, the next join works`, async () => {
      const session = await createSession(h.url);
      proxy.mutate = (req) => (isCreate(req, 'MediaPipeline') ? [reply(req!.id)] : undefined);
      const rpc = await RpcClient.connect(h.wsUrl);
      try {
        const token = await createToken(h.url, session);
        await assert.rejects(
          rpc.call('joinRoom', { token, session, platform: 'test', metadata: '', secret: '', recorder: false }),
          (e: { code?: number }) => typeof e.code === 'number',
        );
      } finally {
        await rpc.close();
      }
      proxy.mutate = undefined;
      // Still serving: REST answers and a fresh join on the same media server gets its pipeline.
      assert.equal((await rest(h.url, 'GET', '/api/sessions')).status, 200);
      const again = await createSession(h.url);
      const peer = await Peer.join(h, again, await createToken(h.url, again));
      await peer.publish();
      await peer.leave();
      await peer.rpc.close();
    });
  }

  void it('survives malformed answers to every request of a publish (endpoint, offer, candidates)', async () => {
    const session = await createSession(h.url);
    const peer = await Peer.join(h, session, await createToken(h.url, session));
    proxy.mutate = (req, reply) =>
      req && req.method !== 'ping' && req.method !== 'connect' && req.method !== 'describe'
        ? [{ jsonrpc: '2.0', id: req.id, result: { value: { nested: [1] }, sessionId: 7 } }]
        : reply && typeof reply === 'object' && !('id' in reply)
          ? [{ jsonrpc: '2.0', method: 'onEvent', params: { value: { object: {}, type: {}, data: null } } }]
          : undefined;
    await assert.rejects(peer.publish());
    proxy.mutate = undefined;
    await peer.leave().catch(() => undefined);
    await peer.rpc.close();
    assert.equal((await rest(h.url, 'GET', '/api/sessions')).status, 200);
  });
});
