// Video bandwidth limits on every WebRtcEndpoint (MediaEndpoint#internalEndpointInitialization and
// its constructor in OpenVidu 2.11): the `openvidu.streams.video.*` values, each replaced by the one
// the owner's token kurentoOptions carries; read back from the emulator over its own wire protocol.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { RawClient } from '../kms-emulator/raw-client.js';
import { createSession } from '../support/api.js';
import { boot, type Harness } from '../support/boot.js';
import { rest } from '../support/http.js';
import { Peer } from '../support/rpc.js';

type Limits = [maxRecv: number, minRecv: number, maxSend: number, minSend: number];

void describe('video bandwidth limits on the WebRtcEndpoints (MediaEndpoint, KurentoTokenOptions)', () => {
  let h: Harness;
  let kms: RawClient;
  const peers: Peer[] = [];

  const invoke = async <T>(object: string, operation: string): Promise<T> => {
    const f = await kms.call('invoke', { object, operation });
    assert.equal(f.error, undefined, JSON.stringify(f.error));
    return f.result!.value as T;
  };
  /** [max recv, min recv, max send, min send] of every WebRtcEndpoint on the media server, sorted. */
  const limits = async (): Promise<Limits[]> => {
    const out: Limits[] = [];
    for (const pipeline of await invoke<string[]>('manager_ServerManager', 'getPipelines')) {
      for (const child of await invoke<string[]>(pipeline, 'getChildren')) {
        if (!child.endsWith('_kurento.WebRtcEndpoint')) continue;
        out.push([
          await invoke<number>(child, 'getMaxVideoRecvBandwidth'),
          await invoke<number>(child, 'getMinVideoRecvBandwidth'),
          await invoke<number>(child, 'getMaxVideoSendBandwidth'),
          await invoke<number>(child, 'getMinVideoSendBandwidth'),
        ]);
      }
    }
    return out.sort((a, b) => a.join().localeCompare(b.join()));
  };
  const join = async (session: string, kurentoOptions?: Record<string, unknown>) => {
    const r = await rest(h.url, 'POST', '/api/tokens', { session, role: 'PUBLISHER', kurentoOptions });
    assert.equal(r.status, 200, r.text);
    const p = await Peer.join(h, session, r.json<{ token: string }>().token);
    peers.push(p);
    return p;
  };

  before(async () => {
    h = await boot({
      OPENVIDU_STREAMS_VIDEO_MAX_RECV_BANDWIDTH: '1200',
      OPENVIDU_STREAMS_VIDEO_MIN_RECV_BANDWIDTH: '350',
      OPENVIDU_STREAMS_VIDEO_MAX_SEND_BANDWIDTH: '900',
      OPENVIDU_STREAMS_VIDEO_MIN_SEND_BANDWIDTH: '250',
    });
    kms = await RawClient.open(h.emus[0].uri);
  });
  after(async () => {
    for (const p of peers) await p.rpc.close();
    await kms?.close();
    await h?.close();
  });

  void it('server-wide limits, overridden key by key by the endpoint owner’s token; a restart applies to new endpoints', async () => {
    const session = await createSession(h.url);
    const pub = await join(session, { videoMaxRecvBandwidth: 600, videoMinSendBandwidth: 0 });
    const sub = await join(session);
    await pub.publish();
    await sub.subscribe(pub.streamId);
    assert.deepEqual(await limits(), [
      [1200, 350, 900, 250], // sub's subscriber endpoint: the configured values
      [600, 350, 900, 0], // pub's publisher endpoint: its token wins where it says something
    ]);

    const r = await rest(h.url, 'POST', '/pro/restart', { 'openvidu.streams.video.max-send-bandwidth': 700 });
    assert.equal(r.status, 200, r.text);
    const late = await join(session, {});
    await late.subscribe(pub.streamId);
    const now = await limits();
    assert.equal(now.length, 3);
    assert.ok(
      now.some((l) => l.join() === [1200, 350, 700, 250].join()),
      JSON.stringify(now),
    );
  });
});
