// Webhook delivery semantics against a receiver on 127.0.0.1, with the real app and signalling.
// OpenVidu 2.11's HttpWebhookSender posts each event once and never retries; we queue and retry,
// and `openvidu.webhook.retry.max-attempts=0` restores the send-once behaviour. Every request
// carries `X-Event-Id`, unique per event, so receivers can drop duplicates.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createSession } from '../support/api.js';
import { boot, type Harness } from '../support/boot.js';
import { until } from '../support/poll.js';
import { Peer } from '../support/rpc.js';
import { Receiver } from '../support/webhook-receiver.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

void describe('webhook delivery: send-once and event ids (HttpWebhookSender)', () => {
  let h: Harness;
  let rx: Receiver;

  before(async () => {
    rx = new Receiver();
    await rx.start();
    h = await boot({
      OPENVIDU_WEBHOOK: 'true',
      OPENVIDU_WEBHOOK_ENDPOINT: rx.url,
      OPENVIDU_WEBHOOK_RETRY_MAX_ATTEMPTS: '0',
      OPENVIDU_WEBHOOK_RETRY_INITIAL_DELAY: '1',
    });
  });
  after(async () => {
    rx.release();
    await h?.close();
    await rx.stop();
  });

  void it('max-attempts=0: a refused event is not sent again; every event has its own X-Event-Id', async () => {
    rx.mode = { kind: 'status', status: 500 };
    const session = await createSession(h.url);
    const peer = await Peer.withRole(h, session, 'PUBLISHER');
    await until('sessionCreated and participantJoined refused', () => rx.arrived.length >= 2);
    // Accept from now on; events are delivered in order, so once participantLeft has arrived any
    // retry of the refused ones would have arrived before it.
    rx.mode = { kind: 'ok' };
    await peer.leave();
    await peer.rpc.close();
    await until('sessionDestroyed delivered', () => rx.delivered.some((r) => r.body.event === 'sessionDestroyed'));
    const events = rx.arrived.map((r) => r.body.event);
    assert.deepEqual(events, ['sessionCreated', 'participantJoined', 'participantLeft', 'sessionDestroyed']);
    const ids = rx.arrived.map((r) => String(r.headers['x-event-id']));
    for (const id of ids) assert.match(id, UUID);
    assert.equal(new Set(ids).size, ids.length, 'one id per event');
  });
});
