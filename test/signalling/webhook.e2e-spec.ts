// What signalling does shows in the webhook (docs/openvidu-api.md §5, §6 reasons): participant and webrtc
// events for join → publish → subscribe → leave, mediaServerDisconnect after a restart,
// networkDisconnect for a lost client, and never anything about the RECORDER.
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { after, before, describe, it } from 'node:test';
import { createSession } from '../support/api.js';
import { boot, type Harness } from '../support/boot.js';
import { SECRET } from '../support/fixtures.js';
import { until } from '../support/poll.js';
import { Peer } from '../support/rpc.js';

type Hook = Record<string, unknown> & { event: string };

/** A webhook endpoint on 127.0.0.1 that answers 200 and keeps every body. */
async function receiver(): Promise<{ server: Server; url: string; bodies: Hook[] }> {
  const bodies: Hook[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      bodies.push(JSON.parse(Buffer.concat(chunks).toString('utf8')) as Hook);
      res.writeHead(200).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, url: `http://127.0.0.1:${(server.address() as { port: number }).port}/hook`, bodies };
}

void describe('signalling: webhook participant and webrtc events', () => {
  let h: Harness;
  let hook: Awaited<ReturnType<typeof receiver>>;
  const peers: Peer[] = [];
  const of = (session: string) => hook.bodies.filter((b) => b.sessionId === session);
  const summary = (session: string) =>
    of(session).map((b) => [b.event, b.participantId ?? null, b.connection ?? null, b.reason ?? null]);

  before(async () => {
    hook = await receiver();
    h = await boot({ OPENVIDU_WEBHOOK: 'true', OPENVIDU_WEBHOOK_ENDPOINT: hook.url });
  });
  after(async () => {
    for (const p of peers) await p.rpc.close();
    await h?.close();
    hook.server.closeAllConnections();
    await new Promise((r) => hook.server.close(r));
  });

  void it('join → publish → subscribe → leave: joined, webrtc created/destroyed, left, destroyed, in order', async () => {
    const session = await createSession(h.url);
    const a = await Peer.withRole(h, session, 'PUBLISHER');
    const b = await Peer.withRole(h, session, 'PUBLISHER');
    peers.push(a, b);
    await a.publish();
    await b.subscribe(a.streamId);
    await b.leave();
    await a.leave();
    await until('sessionDestroyed to be delivered', () => of(session).some((x) => x.event === 'sessionDestroyed'));
    assert.deepEqual(summary(session), [
      ['sessionCreated', null, null, null],
      ['participantJoined', a.id, null, null],
      ['participantJoined', b.id, null, null],
      ['webrtcConnectionCreated', a.id, 'OUTBOUND', null],
      ['webrtcConnectionCreated', b.id, 'INBOUND', null],
      ['webrtcConnectionDestroyed', b.id, 'INBOUND', 'disconnect'],
      ['participantLeft', b.id, null, 'disconnect'],
      ['webrtcConnectionDestroyed', a.id, 'OUTBOUND', 'disconnect'],
      ['participantLeft', a.id, null, 'disconnect'],
      ['sessionDestroyed', null, null, 'lastParticipantLeft'],
    ]);
    const [pub, sub] = of(session).filter((x) => x.event === 'webrtcConnectionCreated');
    assert.equal(pub.streamId, a.streamId);
    assert.equal(sub.streamId, a.streamId);
    assert.equal(sub.receivingFrom, a.id);
    assert.equal(pub.receivingFrom, undefined);
  });

  void it('a restart destroys the webrtc connections with mediaServerDisconnect; a lost client leaves with networkDisconnect', async () => {
    const session = await createSession(h.url);
    const a = await Peer.withRole(h, session, 'PUBLISHER');
    const b = await Peer.withRole(h, session, 'PUBLISHER');
    peers.push(a, b);
    await a.publish();
    await b.subscribe(a.streamId);
    await h.emus[0].restart();
    await b.rpc.waitFor('participantUnpublished', (p) => p.reason === 'mediaServerDisconnect');
    await until('both webrtc ends to be delivered', () => {
      return of(session).filter((x) => x.event === 'webrtcConnectionDestroyed').length === 2;
    });
    const destroyed = of(session).filter((x) => x.event === 'webrtcConnectionDestroyed');
    assert.deepEqual(
      destroyed.map((x) => [x.participantId, x.reason]).sort(),
      [
        [a.id, 'mediaServerDisconnect'],
        [b.id, 'mediaServerDisconnect'],
      ].sort(),
    );
    await b.rpc.drop();
    await until('B to be gone', () => of(session).some((x) => x.event === 'participantLeft'));
    const left = of(session).find((x) => x.event === 'participantLeft')!;
    assert.deepEqual([left.participantId, left.reason], [b.id, 'networkDisconnect']);
    await a.leave();
    await until('the session end', () => of(session).some((x) => x.event === 'sessionDestroyed'));
  });

  void it('the RECORDER never appears in participant or webrtc events', async () => {
    const session = await createSession(h.url);
    const a = await Peer.withRole(h, session, 'PUBLISHER');
    peers.push(a);
    await a.publish();
    const rec = await Peer.join(h, session, `ws://x?sessionId=${session}&secret=${SECRET}&recorder=true`, '', {
      secret: SECRET,
      recorder: true,
    });
    peers.push(rec);
    await rec.subscribe(a.streamId);
    await rec.leave();
    await a.leave();
    await until('the session end', () => of(session).some((x) => x.event === 'sessionDestroyed'));
    assert.deepEqual(
      of(session).map((x) => x.participantId ?? null),
      [null, a.id, a.id, a.id, a.id, null],
      'sessionCreated, A joined, A published, A unpublished, A left, sessionDestroyed',
    );
  });
});
