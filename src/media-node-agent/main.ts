import { MediaNodeAgent } from './agent.js';

/**
 * Sidecar of a Kurento pod (deploy/k8s/kurento-daemonset.yaml): registers its media server with the
 * OpenVidu server and, on SIGTERM, drains it and writes AGENT_DONE_FILE once the last session is
 * over, which the Kurento container's preStop hook waits for.
 *   OPENVIDU_URL, OPENVIDU_SECRET, KMS_URI, AGENT_INTERVAL (ms, default 10000), AGENT_DONE_FILE
 */
const env = process.env;
const missing = ['OPENVIDU_URL', 'OPENVIDU_SECRET', 'KMS_URI'].filter((k) => !env[k]);
if (missing.length) {
  process.stderr.write(`media-node agent: missing ${missing.join(', ')}\n`);
  process.exit(1);
}
const agent = new MediaNodeAgent({
  serverUrl: env.OPENVIDU_URL!,
  secret: env.OPENVIDU_SECRET!,
  kmsUri: env.KMS_URI!,
  intervalMs: Number(env.AGENT_INTERVAL) > 0 ? Number(env.AGENT_INTERVAL) : 10_000,
  doneFile: env.AGENT_DONE_FILE || undefined,
});
agent.start();
let draining = false;
for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.on(signal, () => {
    if (draining) return;
    draining = true;
    void agent.drain().then(() => process.exit(0));
  });
}
