// The Kubernetes manifests in deploy/k8s: every file parses, kustomize finds what it names, the
// probes and ports point at routes the app really serves (checked against the app booted with the
// ConfigMap's .properties file), and the grace period covers preStop plus the drain and the close.
import assert from 'node:assert/strict';
import { copyFileSync, existsSync, readdirSync, readFileSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import type { INestApplication } from '@nestjs/common';
import { parseAllDocuments } from 'yaml';
import { loadConfig, type LoadedConfig } from '../../src/config/config.loader.js';
import { startServer } from '../../src/server/bootstrap.js';
import { freePort, tempDir } from '../support/fixtures.js';

const DIR = fileURLToPath(new URL('../../../deploy/k8s/', import.meta.url));

type Obj = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

function get(url: string): Promise<number> {
  return new Promise((resolve, reject) => {
    request(url, { agent: false }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    })
      .on('error', reject)
      .end();
  });
}

void describe('Kubernetes manifests (deploy/k8s)', () => {
  const docs: Obj[] = [];
  const byKind = (kind: string, name?: string) => {
    const found = docs.filter((d) => d.kind === kind && (!name || d.metadata?.name === name));
    assert.ok(found.length, `no ${kind} ${name ?? ''}`);
    return found[0];
  };
  let deployment: Obj;
  let container: Obj;
  let ports: Map<string, number>;
  let loaded: LoadedConfig;
  let app: INestApplication | undefined;
  const tmp = tempDir('k8s');

  before(() => {
    for (const file of readdirSync(DIR).filter((f) => /\.ya?ml$/.test(f))) {
      for (const doc of parseAllDocuments(readFileSync(join(DIR, file), 'utf8'))) {
        assert.deepEqual(doc.errors, [], `${file} does not parse`);
        const value = doc.toJS() as Obj | null;
        if (value) docs.push({ ...value, __file: file });
      }
    }
    deployment = byKind('Deployment', 'openvidu-server');
    container = deployment.spec.template.spec.containers[0] as Obj;
    ports = new Map((container.ports as Obj[]).map((p) => [p.name as string, p.containerPort as number]));
    // The container's environment, with the ConfigMap's file as OPENVIDU_CONFIG_FILE.
    const env: Record<string, string> = {};
    for (const e of container.env as Obj[]) env[e.name as string] = e.value ?? 'secret-from-the-Secret';
    const file = join(tmp.dir, 'openvidu.properties');
    copyFileSync(join(DIR, 'openvidu.properties'), file);
    loaded = loadConfig({ ...env, OPENVIDU_CONFIG_FILE: file, SERVER_DATA_DIR: join(tmp.dir, 'data') });
  });
  after(async () => {
    await app?.close();
    tmp.remove();
  });

  void it('every manifest parses and names its kind; kustomize finds every file it lists', () => {
    assert.ok(docs.length >= 7);
    for (const d of docs) {
      assert.equal(typeof d.apiVersion, 'string', d.__file as string);
      assert.equal(typeof d.kind, 'string', d.__file as string);
      if (d.kind !== 'Kustomization') assert.equal(typeof d.metadata?.name, 'string', d.__file as string);
    }
    const k = byKind('Kustomization');
    for (const r of k.resources as string[]) assert.ok(existsSync(join(DIR, r)), `kustomization lists missing ${r}`);
    for (const g of k.configMapGenerator as Obj[]) {
      for (const f of g.files as string[]) assert.ok(existsSync(join(DIR, f)), `configMapGenerator names missing ${f}`);
    }
    const listed = new Set(k.resources as string[]);
    for (const d of docs) {
      if (d.kind !== 'Kustomization') assert.ok(listed.has(d.__file as string), `${d.__file} unlisted`);
    }
  });

  void it('the ConfigMap file and the Deployment configure a plain-HTTP server on the ports the pod declares', () => {
    assert.deepEqual(loaded.errors, []);
    const c = loaded.config;
    assert.equal(c['server.ssl.enabled'], false, 'plain HTTP behind the Service');
    assert.equal(ports.get('http'), c['server.port']);
    assert.equal(ports.get('metrics'), c['metrics.port']);
    assert.equal(c['openvidu.pro.cluster'], true);
    assert.equal(c['kms.embedded-emulator'], false, 'no emulator in a real deployment');
    const secretEnv = (container.env as Obj[]).find((e) => e.name === 'OPENVIDU_SECRET');
    assert.equal(secretEnv?.valueFrom?.secretKeyRef?.name, byKind('Secret').metadata.name);
    assert.ok(!/openvidu\.secret/.test(readFileSync(join(DIR, 'openvidu.properties'), 'utf8')));
    const cfgVolume = (deployment.spec.template.spec.volumes as Obj[]).find((v) => v.configMap);
    const generated = (byKind('Kustomization').configMapGenerator as Obj[]).map((g) => g.name as string);
    assert.ok(generated.includes(cfgVolume?.configMap.name as string), 'the pod mounts the generated ConfigMap');
    const svc = byKind('Service', 'openvidu-server');
    assert.deepEqual(svc.spec.selector, deployment.spec.selector.matchLabels);
    for (const p of svc.spec.ports as Obj[]) assert.ok(ports.has(p.targetPort as string), `targetPort ${p.targetPort}`);
    const annotations = deployment.spec.template.metadata.annotations as Record<string, string>;
    assert.equal(Number(annotations['prometheus.io/port']), c['metrics.port']);
  });

  void it('the grace period covers preStop, the drain delay and the close', () => {
    const c = loaded.config;
    const preStop = Number(container.lifecycle?.preStop?.sleep?.seconds ?? 0);
    const needed = preStop + (c['server.shutdown.drain-delay'] + c['server.shutdown.timeout']) / 1000;
    assert.ok(c['server.shutdown.drain-delay'] > 0, 'a deployment drains');
    const grace = Number(deployment.spec.template.spec.terminationGracePeriodSeconds);
    assert.ok(grace >= needed, `terminationGracePeriodSeconds ${grace} < ${needed}`);
    // Readiness must notice the drain well within the delay.
    const probe = container.readinessProbe as Obj;
    const period = Number(probe.periodSeconds ?? 10) * Number(probe.failureThreshold ?? 3);
    assert.ok(period * 1000 < c['server.shutdown.drain-delay'], `readiness notices after ${period} s`);
  });

  void it('the PodDisruptionBudgets select the workloads; Kurento runs on the host network', () => {
    const ds = byKind('DaemonSet', 'kurento-media-server');
    assert.equal(ds.spec.template.spec.hostNetwork, true);
    // The agent sidecar runs the built agent from the server image and signals through a shared file.
    const [kurento, agent] = ds.spec.template.spec.containers as Obj[];
    assert.equal(agent.image, container.image);
    const script = (agent.command as string[]).find((a) => a.endsWith('.js'))!;
    assert.ok(existsSync(fileURLToPath(new URL(`../../${script.replace(/^dist\//, '')}`, import.meta.url))), script);
    const doneFile = (agent.env as Obj[]).find((e) => e.name === 'AGENT_DONE_FILE')?.value as string;
    assert.match(String(kurento.lifecycle.preStop.exec.command.join(' ')), new RegExp(doneFile));
    const svc = byKind('Service', 'openvidu-server');
    const url = (agent.env as Obj[]).find((e) => e.name === 'OPENVIDU_URL')?.value as string;
    assert.equal(url, `http://${svc.metadata.name}.${byKind('Kustomization').namespace}.svc`);
    assert.equal(ds.spec.template.spec.dnsPolicy, 'ClusterFirstWithHostNet');
    const workloads = [deployment, ds].map((w) => JSON.stringify(w.spec.template.metadata.labels));
    const pdbs = docs.filter((d) => d.kind === 'PodDisruptionBudget');
    assert.equal(pdbs.length, 2);
    for (const p of pdbs) {
      const sel = p.spec.selector.matchLabels as Record<string, string>;
      assert.ok(
        workloads.some((w) => Object.entries(sel).every(([k, v]) => (JSON.parse(w) as Obj)[k] === v)),
        `${p.metadata.name} selects no workload`,
      );
    }
  });

  void it('the probe paths and the scrape path are routes the app serves, without credentials', async () => {
    // Same configuration, on loopback ports picked for the test.
    const c = loaded.config;
    c['server.address'] = '127.0.0.1';
    c['server.port'] = 0;
    c['metrics.address'] = '127.0.0.1';
    c['metrics.port'] = await freePort();
    const started = await startServer(loaded);
    app = started.app;
    for (const kind of ['startupProbe', 'livenessProbe', 'readinessProbe']) {
      const probe = (container[kind] as Obj).httpGet as Obj;
      assert.equal(probe.port, 'http', `${kind} targets the REST port`);
      assert.equal(probe.scheme ?? 'HTTP', 'HTTP');
      assert.equal(await get(`${started.url}${probe.path as string}`), 200, `${kind} ${probe.path}`);
    }
    const annotations = deployment.spec.template.metadata.annotations as Record<string, string>;
    assert.equal(await get(`http://127.0.0.1:${c['metrics.port']}${annotations['prometheus.io/path']}`), 200);
    // With no media server registered yet the replica is still ready: it must stay reachable.
    assert.equal(await get(`${started.url}/health/media`), 503);
  });
});
