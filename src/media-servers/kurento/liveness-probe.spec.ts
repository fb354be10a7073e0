// The liveness probe under mock timers, against a fake server: when a server counts as down (a
// missed ping, a dropped socket), when it does not (slow but within kms.liveness.timeout), and how
// a return is told apart from a restart (docs/kurento-protocol.md §4, §9).
import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it, mock } from 'node:test';
import { advance, FakeKms, flush } from '../testing/fakes.js';
import { LivenessProbe, type ProbeListener } from './liveness-probe.js';

const INTERVAL = 100;
const TIMEOUT = 300;

type Heard = ['up', boolean, number] | ['down', string, number] | ['failed', string, number];

function probeOf(kms: FakeKms): { probe: LivenessProbe; heard: Heard[]; states: () => string[] } {
  const heard: Heard[] = [];
  const listener: ProbeListener = {
    up: (restarted) => heard.push(['up', restarted, Date.now()]),
    down: (reason) => heard.push(['down', reason, Date.now()]),
    attemptFailed: (reason) => heard.push(['failed', reason, Date.now()]),
  };
  const probe = new LivenessProbe(kms.uri, { interval: INTERVAL, timeout: TIMEOUT, maxFrameBytes: 1024 }, listener, {
    open: kms.open,
    now: () => Date.now(),
  });
  /** Up and down only, with the restart flag: what the pool acts on. */
  const states = () =>
    heard.filter((h) => h[0] !== 'failed').map((h) => (h[0] === 'up' ? `up${h[1] ? ' (restarted)' : ''}` : 'down'));
  return { probe, heard, states };
}

void describe('LivenessProbe', () => {
  let kms: FakeKms;
  let probe: LivenessProbe;
  let heard: Heard[];
  let states: () => string[];

  beforeEach(() => {
    mock.timers.enable({ apis: ['setTimeout', 'setInterval', 'Date'], now: 0 });
    kms = new FakeKms();
    ({ probe, heard, states } = probeOf(kms));
  });
  afterEach(() => {
    probe.stop();
    mock.timers.reset();
  });

  void it('binds to a KMS session at once and keeps one socket, pinged every interval', async () => {
    probe.start();
    await flush();
    assert.deepEqual(heard, [['up', false, 0]]);
    assert.equal(probe.up, true);
    assert.deepEqual(kms.received, ['connect', 'describe'], 'a new session holding the ServerManager');
    await advance(1000);
    assert.equal(kms.received.filter((m) => m === 'ping').length, 10);
    assert.equal(kms.opened, 1);
    assert.equal(kms.sockets.size, 1);
    assert.deepEqual(states(), ['up']);
  });

  void it('a frozen server is down once a ping goes unanswered for kms.liveness.timeout, not before', async () => {
    probe.start();
    await flush();
    const [bound] = kms.sockets;
    kms.frozen = true;
    // The first ping after the freeze leaves at +interval and is given the full timeout.
    await advance(INTERVAL + TIMEOUT - 10);
    assert.deepEqual(states(), ['up']);
    await advance(10);
    assert.deepEqual(states(), ['up', 'down']);
    const down = heard[1];
    assert.equal(down[2], INTERVAL + TIMEOUT);
    assert.match(String(down[1]), /no (answer|pong) within 300 ms/);
    assert.equal(probe.up, false);
    assert.equal(bound.isOpen, false, 'the silent socket is closed');
  });

  void it('a slow server within the timeout stays up through many rounds, with one ping in flight at most', async () => {
    kms.latency = TIMEOUT - 50;
    probe.start();
    await advance(2 * kms.latency + INTERVAL); // connect, then describe

    assert.deepEqual(states(), ['up']);
    const before = kms.received.length;
    await advance(6000);
    assert.deepEqual(states(), ['up'], 'never down');
    assert.equal(probe.roundTripMs, TIMEOUT - 50);
    // A ping leaves only once the previous one was answered: no queue builds on a slow server.
    const pings = kms.received.slice(before).filter((m) => m === 'ping').length;
    assert.ok(pings >= 6000 / (TIMEOUT - 50 + INTERVAL) - 1 && pings <= 6000 / (TIMEOUT - 50), `${pings} pings`);
  });

  void it('slower than the timeout is down, and up again once it answers in time', async () => {
    probe.start();
    await flush();
    kms.latency = TIMEOUT + 100;
    await advance(INTERVAL + TIMEOUT);
    assert.deepEqual(states(), ['up', 'down']);
    // Still too slow: every attempt fails, each after the timeout, and the pool hears of each.
    await advance(1000);
    assert.deepEqual(states(), ['up', 'down']);
    assert.ok(heard.filter((h) => h[0] === 'failed').length >= 5);
    kms.latency = 0;
    await advance(INTERVAL);
    assert.deepEqual(states(), ['up', 'down', 'up'], 'the same process: not a restart');
  });

  void it('a frozen server that recovers comes back as the same server; attempts meanwhile all fail', async () => {
    probe.start();
    await flush();
    kms.frozen = true;
    await advance(INTERVAL + TIMEOUT);
    assert.deepEqual(states(), ['up', 'down']);
    await advance(2000);
    const failed = heard.filter((h) => h[0] === 'failed');
    assert.ok(failed.length >= 15, `${failed.length} failed attempts`);
    assert.ok(kms.sockets.size <= Math.ceil(TIMEOUT / INTERVAL) + 1, 'attempts waiting are bounded by the timeout');
    kms.frozen = false;
    await advance(INTERVAL);
    assert.deepEqual(states(), ['up', 'down', 'up']);
    assert.equal(kms.sockets.size, 1, 'the winner only; the other attempts are closed');
  });

  void it('a dropped socket is down at once and up again on the next attempt, not a restart', async () => {
    probe.start();
    await flush();
    await advance(250);
    kms.blip();
    assert.deepEqual(states(), ['up', 'down']);
    assert.equal(heard[1][2], 250);
    await flush();
    assert.deepEqual(states(), ['up', 'down', 'up']);
  });

  void it('a session the same process collected is not a restart', async () => {
    probe.start();
    await flush();
    kms.forgetSessions();
    kms.blip();
    await flush();
    assert.deepEqual(states(), ['up', 'down', 'up']);
  });

  void it('a new process is a restart, also when it restarted while down', async () => {
    probe.start();
    await flush();
    kms.restart();
    await flush();
    assert.deepEqual(states(), ['up', 'down', 'up (restarted)']);

    kms.stop();
    await advance(500);
    kms.restart();
    kms.start();
    await advance(INTERVAL);
    assert.deepEqual(states(), ['up', 'down', 'up (restarted)', 'down', 'up (restarted)']);
  });

  void it('an unreachable server: every attempt fails until it answers; never up before', async () => {
    kms.down = true;
    probe.start();
    await advance(1000);
    assert.deepEqual(states(), []);
    assert.equal(heard.length, 1 + 1000 / INTERVAL, 'one attempt at once, then one per interval');
    assert.ok(heard.every((h) => h[0] === 'failed' && /ECONNREFUSED/.test(h[1])));
    kms.start();
    await advance(INTERVAL);
    assert.deepEqual(states(), ['up']);
  });

  void it('stop() releases the socket and the timer; nothing is heard or opened afterwards', async () => {
    probe.start();
    await flush();
    probe.stop();
    assert.equal(kms.sockets.size, 0);
    const opened = kms.opened;
    const received = kms.received.length;
    kms.blip();
    await advance(5000);
    assert.deepEqual(states(), ['up']);
    assert.equal(kms.opened, opened);
    assert.equal(kms.received.length, received);
    assert.equal(probe.up, false);
  });

  void it('stop() while down ends the attempts, including those still waiting for an answer', async () => {
    probe.start();
    await flush();
    kms.frozen = true;
    await advance(INTERVAL + TIMEOUT + 2 * INTERVAL);
    assert.ok(kms.sockets.size > 0, 'attempts wait on the frozen server');
    const count = heard.length;
    probe.stop();
    assert.equal(kms.sockets.size, 0);
    kms.frozen = false;
    await advance(5000);
    assert.equal(heard.length, count);
  });
});
