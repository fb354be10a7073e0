// Hostile or unlucky clients (docs/openvidu-api.md §8 framing): malformed frames get JSON-RPC errors and the
// socket keeps working; bad params get OpenVidu's codes; an absurd ping interval does not drop a
// healthy client; a socket that drops in the middle of joinRoom leaves no ghost participant.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createSession, createToken, sessionJson } from '../support/api.js';
import { boot, type Harness } from '../support/boot.js';
import { until } from '../support/poll.js';
import { Peer, RpcClient } from '../support/rpc.js';

void describe('signalling: malformed input and racing clients', () => {
  let h: Harness;
  const open: RpcClient[] = [];
  const connect = async () => {
    const c = await RpcClient.connect(h.wsUrl);
    open.push(c);
    return c;
  };

  before(async () => {
    // A slow media server (see the join race) must not look dead to the liveness probe.
    h = await boot({ KMS_LIVENESS_TIMEOUT: '2000' });
  });
  after(async () => {
    for (const c of open) await c.close();
    await h?.close();
  });

  void it('frames that are not requests get -32700/-32600 and the socket keeps being served', async () => {
    const c = await connect();
    for (const frame of ['{oops', 'null', '42', '"text"', '[{"jsonrpc":"2.0","id":1,"method":"ping"}]']) {
      const before = c.frames.length;
      c.ws.send(frame);
      await until(`an answer to ${frame}`, () => c.frames.length > before);
      const err = c.frames.at(-1) as { id: unknown; error: { code: number } };
      assert.equal(err.id, null);
      assert.equal(err.error.code, frame === '{oops' ? -32700 : -32600, frame);
    }
    c.ws.send(Buffer.from([1, 2, 3]), { binary: true });
    assert.equal((await c.call('ping', {})).value, 'pong', 'still served');
    const other = await connect();
    assert.equal((await other.call('ping', {})).value, 'pong', 'and so is everyone else');
  });

  void it('bad params get OpenVidu codes, never a crash', async () => {
    const session = await createSession(h.url);
    const c = await connect();
    assert.equal((await c.fail('joinRoom', { token: 42, session })).code, 401);
    assert.equal((await c.fail('joinRoom', { token: 'x' })).code, 999, 'session is required');
    const p = await Peer.withRole(h, session, 'PUBLISHER');
    open.push(p.rpc);
    assert.equal((await p.rpc.fail('publishVideo', {})).code, 999, 'sdpOffer is required');
    const sdp = await p.rpc.fail('publishVideo', { sdpOffer: 'not an sdp' });
    assert.equal(sdp.code, 302, 'the media server rejected the offer: MEDIA_SDP_ERROR');
    assert.deepEqual((await sessionJson(h.url, session))?.connections.content[0].publishers, []);
    await p.publish();
    assert.equal((await p.rpc.fail('receiveVideoFrom', { sender: 42 })).code, 999);
    assert.equal((await p.rpc.fail('receiveVideoFrom', { sender: 'nobody_CAMERA_AAAAA', sdpOffer: 'x' })).code, 102);
    assert.equal((await p.rpc.fail('onIceCandidate', { endpointName: p.id })).code, 999, 'candidate required');
    assert.equal((await p.rpc.fail('sendMessage', { message: '"just a string"' })).code, 600);
    assert.equal((await p.rpc.fail('sendMessage', { message: '{"to":"not-an-array"}' })).code, 601);
    assert.equal((await p.rpc.fail('applyFilter', { streamId: p.streamId, type: 'GStreamerFilter' })).code, 401);
    assert.equal((await p.rpc.call('ping', {})).value, 'pong');
    await p.leave();
  });

  void it('a socket that joined cannot take over another RPC session with connect (40007), and keeps its own', async () => {
    const session = await createSession(h.url);
    const a = await Peer.withRole(h, session, 'PUBLISHER');
    const b = await Peer.withRole(h, session, 'PUBLISHER');
    open.push(a.rpc, b.rpc);
    assert.equal((await a.rpc.fail('connect', { sessionId: b.join.sessionId })).code, 40007);
    await b.rpc.call('sendMessage', { message: JSON.stringify({ to: [a.id], data: 'to A', type: 'signal' }) });
    await a.rpc.waitFor('sendMessage', (p) => p.data === 'to A');
    assert.equal(b.rpc.closed, false, "B's socket was not taken over");
    await a.leave();
    await b.leave();
  });

  void it('a socket that drops while joinRoom builds the pipeline leaves no ghost participant', async () => {
    const session = await createSession(h.url);
    const token = await createToken(h.url, session);
    const pipelines = h.emus[0].stats().pipelines;
    h.emus[0].setLatency(300);
    try {
      const c = await connect();
      c.ws.send(JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'joinRoom', params: { token, session, secret: '' } }));
      await until('the participant to be added', async () => {
        return (await sessionJson(h.url, session))?.connections.numberOfElements === 1;
      });
      await c.drop();
      await until('the participant (and with it the session) to be gone', async () => {
        return (await sessionJson(h.url, session)) === null;
      });
    } finally {
      h.emus[0].setLatency(0);
    }
    await until('its pipeline to be released', () => h.emus[0].stats().pipelines === pipelines);
  });
});
