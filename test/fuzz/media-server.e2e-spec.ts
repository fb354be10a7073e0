// A fuzzing media server: a proxy in front of an emulator answers each Kurento request of the
// server's kurento-client with mutated results, errors, events, oversized, dropped, duplicated and
// out-of-order frames while clients join, publish, subscribe and leave. The process never fails, REST
// never answers 5xx, and once the media server behaves again a clean join and publish work.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { createSession, createToken } from '../support/api.js';
import { counted, fcOptions, RUNS } from '../support/fuzz.js';
import { rest } from '../support/http.js';
import { Peer } from '../support/rpc.js';
import { bootBehindProxy, type KmsProxy, type KmsRequest, type ProxiedApp } from '../support/kms-proxy.js';

type Action =
  | { kind: 'pass' | 'drop' | 'dup' | 'hold' | 'big' }
  | { kind: 'result'; value: unknown }
  | { kind: 'error'; error: unknown }
  | { kind: 'event'; event: unknown };

const action: fc.Arbitrary<Action> = fc.oneof(
  { weight: 5, arbitrary: fc.constant({ kind: 'pass' as const }) },
  { weight: 1, arbitrary: fc.constantFrom('drop', 'dup', 'hold', 'big').map((kind) => ({ kind })) },
  { weight: 2, arbitrary: fc.jsonValue({ maxDepth: 3 }).map((value) => ({ kind: 'result' as const, value })) },
  {
    weight: 1,
    arbitrary: fc
      .oneof(
        fc.jsonValue({ maxDepth: 2 }),
        fc.record({ code: fc.integer(), message: fc.string(), data: fc.jsonValue() }),
      )
      .map((error) => ({ kind: 'error' as const, error })),
  },
  {
    weight: 1,
    arbitrary: fc
      .record({
        object: fc.oneof(fc.string({ maxLength: 10 }), fc.jsonValue()),
        type: fc.constantFrom('IceCandidateFound', 'error', 'release', '_rpc', 'MediaFlowInStateChanged', 'x'),
        data: fc.jsonValue({ maxDepth: 3 }),
      })
      .map((value) => ({ kind: 'event' as const, event: { jsonrpc: '2.0', method: 'onEvent', params: { value } } })),
  },
);

/** The probe and the sampler keep an honest line: only kurento-client's media requests are fuzzed. */
const fuzzable = (r: KmsRequest | undefined) =>
  !!r && r.method !== 'ping' && r.method !== 'connect' && r.params?.object !== 'manager_ServerManager';

void describe('Kurento reply fuzzing', () => {
  let h: ProxiedApp;
  let proxy: KmsProxy;
  before(async () => {
    h = await bootBehindProxy({ KMS_REQUEST_TIMEOUT: '400', KMS_MAX_FRAME_SIZE: String(64 * 1024) });
    proxy = h.proxy;
  });
  after(async () => {
    await h?.close();
    process.stdout.write(`Kurento reply fuzzing: ${counted.cases} cases\n`);
  });

  void it(`survives mutated, dropped, duplicated, delayed, oversized replies and stray events (${Math.ceil(RUNS / 5)} cases)`, async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(action, { minLength: 1, maxLength: 12 }), async (plan) => {
        counted.cases++;
        let step = 0;
        let held: unknown[] = [];
        proxy.mutate = (req, reply) => {
          if (!fuzzable(req)) return undefined;
          const a = plan[step++ % plan.length];
          const id = (reply as { id?: unknown })?.id;
          const release = held;
          held = [];
          switch (a.kind) {
            case 'pass':
              return [...release, reply];
            case 'drop':
              return release;
            case 'dup':
              return [...release, reply, reply];
            case 'hold':
              held = [reply];
              return release;
            case 'big':
              return [...release, { jsonrpc: '2.0', id, result: { value: 'x'.repeat(100_000) } }];
            case 'result':
              return [...release, { jsonrpc: '2.0', id, result: a.value }];
            case 'error':
              return [...release, { jsonrpc: '2.0', id, error: a.error }];
            case 'event':
              return [...release, a.event, reply];
          }
        };
        const session = await createSession(h.url);
        const peers: Peer[] = [];
        try {
          const a = await Peer.join(h, session, await createToken(h.url, session));
          peers.push(a);
          await a.publish();
          const b = await Peer.join(h, session, await createToken(h.url, session));
          peers.push(b);
          await b.subscribe(a.streamId);
        } catch {
          // Failing is fine; failing the process, a 5xx or a stuck server is not.
        }
        assert.ok((await rest(h.url, 'GET', '/api/sessions')).status < 500);
        for (const p of peers) await p.rpc.close();
        proxy.mutate = undefined;
        await rest(h.url, 'DELETE', `/api/sessions/${session}`);
      }),
      { ...fcOptions, numRuns: Math.max(1, Math.ceil(RUNS / 5)) },
    );
    // Honest again: a clean join, publish and subscribe work on the same media server.
    proxy.mutate = undefined;
    const session = await createSession(h.url);
    const a = await Peer.join(h, session, await createToken(h.url, session));
    await a.publish();
    const b = await Peer.join(h, session, await createToken(h.url, session));
    await b.subscribe(a.streamId);
    for (const p of [a, b]) {
      await p.leave();
      await p.rpc.close();
    }
    assert.equal(h.pool.connectedCount(), 1);
  });
});
