// `?webRtcStats=true` and `mediaError` as OpenVidu 2.11 has them: MediaEndpoint#withStatsToJson
// (endpoint names from KurentoParticipant: the streamId for a publisher, `<subscriber>_<streamId>` for
// a subscriber; the browser's candidates; the selected pair; the endpoint's Kurento events with
// `timestamp` and `msSinceEndpointCreation`, KmsEvent#toJson) and KurentoParticipant#sendMediaError.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { RawClient } from '../kms-emulator/raw-client.js';
import { createSession } from '../support/api.js';
import { boot, type Harness } from '../support/boot.js';
import { rest } from '../support/http.js';
import { until } from '../support/poll.js';
import { Peer } from '../support/rpc.js';

type Stats = {
  streamId: string;
  webrtcEndpointName: string;
  receivedCandidates: Array<Record<string, unknown>>;
  localCandidate: string | null;
  remoteCandidate: string | null;
  events: Array<Record<string, unknown>>;
};
type Json = { connections: { content: Array<{ connectionId: string; publishers: Stats[]; subscribers: Stats[] }> } };

void describe('webRtcStats and mediaError (MediaEndpoint, KmsEvent, KurentoParticipant)', () => {
  let h: Harness;
  let kms: RawClient;
  const peers: Peer[] = [];

  before(async () => {
    h = await boot();
    kms = await RawClient.open(h.emus[0].uri);
  });
  after(async () => {
    for (const p of peers) await p.rpc.close();
    await kms?.close();
    await h?.close();
  });

  void it('endpoint names, received candidates, the selected pair and Kurento events; Error → mediaError to the owner', async () => {
    const session = await createSession(h.url);
    const pub = await Peer.withRole(h, session, 'PUBLISHER');
    const sub = await Peer.withRole(h, session, 'SUBSCRIBER');
    peers.push(pub, sub);
    await pub.publish();
    await sub.subscribe(pub.streamId);
    const candidate = {
      candidate: 'candidate:1 1 UDP 2122252543 127.0.0.1 50000 typ host',
      sdpMid: '0',
      sdpMLineIndex: 0,
    };
    await pub.rpc.call('onIceCandidate', { endpointName: pub.id, ...candidate });
    await sub.rpc.call('onIceCandidate', { endpointName: pub.id, ...candidate });

    const stats = async () => {
      const r = await rest(h.url, 'GET', `/api/sessions/${session}?webRtcStats=true`);
      assert.equal(r.status, 200, r.text);
      const json = r.json<Json>();
      const byId = new Map(json.connections.content.map((c) => [c.connectionId, c]));
      return { p: byId.get(pub.id)!.publishers[0], s: byId.get(sub.id)!.subscribers[0] };
    };
    const { p, s } = await until('both endpoints report a selected candidate pair', async () => {
      const x = await stats();
      return x.p.localCandidate && x.s.localCandidate ? x : null;
    });
    assert.equal(p.webrtcEndpointName, pub.streamId);
    assert.equal(s.webrtcEndpointName, `${sub.id}_${pub.streamId}`);
    assert.deepEqual(p.receivedCandidates, [candidate]);
    assert.deepEqual(s.receivedCandidates, [candidate]);
    for (const x of [p, s]) {
      assert.equal(typeof x.remoteCandidate, 'string');
      const types = x.events.map((e) => e.type);
      assert.ok(types.includes('IceGatheringDone'), types.join());
      assert.ok(types.includes('NewCandidatePairSelected'), types.join());
      assert.ok(types.includes('IceComponentStateChange'), 'Kurento 6 event names, as 2.11 shows them');
      for (const e of x.events) {
        assert.equal(typeof e.timestamp, 'number');
        assert.equal(typeof e.msSinceEndpointCreation, 'number');
        assert.ok((e.msSinceEndpointCreation as number) >= 0);
        for (const k of ['tags', 'timestampMillis', 'source', 'session', 'user', 'connection', 'endpoint']) {
          assert.ok(!(k in e), `no ${k} in ${JSON.stringify(e)}`);
        }
      }
    }

    // An Error event on each endpoint reaches that endpoint's owner only.
    const pipelines = (await kms.call('invoke', { object: 'manager_ServerManager', operation: 'getPipelines' })).result!
      .value as string[];
    const children = (await kms.call('invoke', { object: pipelines[0], operation: 'getChildren' })).result!
      .value as string[];
    const endpoints = children.filter((c) => c.endsWith('_kurento.WebRtcEndpoint'));
    assert.equal(endpoints.length, 2);
    endpoints.forEach((id, i) => h.emus[0].raise(id, 'Error', { description: `boom ${i}`, errorCode: 99 }));
    const pe = await pub.rpc.waitFor('mediaError');
    const se = await sub.rpc.waitFor('mediaError');
    assert.match(String(pe.params.error), /^.+: boom [01]\(errCode=99\)$/);
    assert.match(String(se.params.error), /^.+: boom [01]\(errCode=99\)$/);
    assert.notEqual(pe.params.error, se.params.error, 'each owner hears about its own endpoint');
    await pub.sync();
    await sub.sync();
    assert.equal(pub.rpc.received('mediaError').length, 1);
    assert.equal(sub.rpc.received('mediaError').length, 1);
    // A pipeline Error reaches everyone in the session (KurentoSession's pipeline error listener).
    h.emus[0].raise(pipelines[0], 'Error', { description: 'pipeline down', errorCode: 7 });
    for (const x of [pub, sub]) {
      await x.rpc.waitFor('mediaError', (q) => String(q.error).includes('pipeline down(errCode=7)'));
    }
    const after = await stats();
    assert.ok(after.p.events.some((e) => e.type === 'Error' && e.errorCode === 99));
  });
});
