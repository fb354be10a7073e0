// GET /config (§2.15), GET /pro/config (§3.1) and the health probes over real HTTPS.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Injectable } from '@nestjs/common';
import type { INestApplication } from '@nestjs/common';
import { OnEvent } from '@nestjs/event-emitter';
import { CONFIG_UPDATED } from '../../src/config/config.service.js';
import { bootApp } from '../support/boot.js';
import { type Emulator, startEmulator } from '../support/emulators.js';
import { baseEnv, basic, freePort, tempDir } from '../support/fixtures.js';
import { call } from '../support/http.js';
import { waitReady } from '../support/process.js';

const SECRET = 'config-spec-secret-1f4e';
const AUTH = basic(SECRET);

/** §2.15: the fields GET /config always has, in order (2.11 adds openviduWebhook after the recording ones). */
const CONFIG_ALWAYS = [
  'version',
  'openviduPublicurl',
  'openviduCdr',
  'maxRecvBandwidth',
  'minRecvBandwidth',
  'maxSendBandwidth',
  'minSendBandwidth',
  'openviduRecording',
];
const RECORDING_FIELDS = [
  'openviduRecordingVersion',
  'openviduRecordingPath',
  'openviduRecordingPublicAccess',
  'openviduRecordingNotification',
  'openviduRecordingCustomLayout',
  'openviduRecordingAutostopTimeout',
];
const WEBHOOK_FIELDS = ['openviduWebhookEndpoint', 'openviduWebhookHeaders', 'openviduWebhookEvents'];

/** §3.1: the keys of the 2.11 Pro sample of GET /pro/config (REST-API-pro.md), in its order. */
const PRO_SAMPLE_KEYS = [
  'version',
  'openviduPublicurl',
  'openviduCdr',
  'maxRecvBandwidth',
  'minRecvBandwidth',
  'maxSendBandwidth',
  'minSendBandwidth',
  'openviduRecording',
  'openviduRecordingVersion',
  'openviduRecordingPath',
  'openviduRecordingPublicAccess',
  'openviduRecordingNotification',
  'openviduRecordingCustomLayout',
  'openviduRecordingAutostopTimeout',
  'openviduWebhook',
  'openviduWebhookEndpoint',
  'openviduWebhookHeaders',
  'openviduWebhookEvents',
  'openviduServerDependencyVersion',
  'openviduProStatsMonitoringInterval',
  'openviduProStatsWebrtcInterval',
  'openviduProCluster',
  'openviduProClusterLoadStrategy',
  'kmsUris',
];

/** Holds every config.updated listener call until the test opens the gate: a module slow to re-apply. */
@Injectable()
class SlowApplier {
  private release: (() => void) | undefined;
  private gate: Promise<void> | undefined;
  entered: (() => void) | undefined;

  close(): void {
    this.gate = new Promise((resolve) => (this.release = resolve));
  }
  open(): void {
    this.release?.();
    this.gate = undefined;
  }

  @OnEvent(CONFIG_UPDATED)
  async onConfigUpdated(): Promise<void> {
    this.entered?.();
    await this.gate;
  }
}

void describe('GET /config, GET /pro/config and health (docs/openvidu-api.md §2.15, §3.1)', () => {
  let emu: Emulator;
  let app: INestApplication;
  let url: string;
  let port: number;
  const tmp = tempDir('config');

  before(async () => {
    emu = await startEmulator();
    port = await freePort();
    ({ app, url } = await bootApp(
      baseEnv(tmp.dir, emu.uri, {
        SERVER_PORT: String(port),
        OPENVIDU_SECRET: SECRET,
        OPENVIDU_PRO_CLUSTER_LOAD_STRATEGY: 'sessions',
        OPENVIDU_PRO_STATS_WEBRTC_INTERVAL: '20',
      }),
      { extra: { providers: [SlowApplier] } },
    ));
    await waitReady(url);
  });

  after(async () => {
    app?.get(SlowApplier).open();
    await app?.close();
    await emu?.close();
    tmp.remove();
  });

  const restart = (body: unknown) => call(url, 'POST', '/pro/restart', { auth: AUTH, body });

  void it('GET /config has the 2.11 field set without recording and webhook fields when both are off', async () => {
    const res = await call(url, 'GET', '/config', { auth: AUTH });
    assert.equal(res.status, 200);
    assert.match(String(res.headers['content-type']), /^application\/json/);
    const body = res.json();
    assert.deepEqual(Object.keys(body), [...CONFIG_ALWAYS, 'openviduWebhook']);
    assert.deepEqual(body, {
      version: '2.11.0',
      openviduPublicurl: 'local',
      openviduCdr: false,
      maxRecvBandwidth: 1000,
      minRecvBandwidth: 300,
      maxSendBandwidth: 1000,
      minSendBandwidth: 300,
      openviduRecording: false,
      openviduWebhook: false,
    });
  });

  void it('GET /config adds the recording fields, then the webhook fields, only once they are enabled', async () => {
    assert.equal((await restart({ 'openvidu.recording': true, 'openvidu.recording.path': '/rec' })).status, 200);
    let body = (await call(url, 'GET', '/config', { auth: AUTH })).json();
    assert.deepEqual(Object.keys(body), [...CONFIG_ALWAYS, ...RECORDING_FIELDS, 'openviduWebhook']);
    assert.equal(body.openviduRecordingPath, '/rec/', '§4: a trailing / is added to the recording path');
    assert.equal(body.openviduRecordingCustomLayout, '/opt/openvidu/custom-layout/');
    assert.equal(body.openviduRecordingVersion, '2.9.0');

    const hook = { endpoint: 'http://127.0.0.1:7777/webhook/', headers: ['Authorization: Basic YWJjZDphYmNk'] };
    const r = await restart({
      'openvidu.webhook': true,
      'openvidu.webhook.endpoint': hook.endpoint,
      'openvidu.webhook.headers': hook.headers,
      'openvidu.webhook.events': ['recordingStatusChanged'],
    });
    assert.equal(r.status, 200, r.text);
    body = (await call(url, 'GET', '/config', { auth: AUTH })).json();
    assert.deepEqual(Object.keys(body), [...CONFIG_ALWAYS, ...RECORDING_FIELDS, 'openviduWebhook', ...WEBHOOK_FIELDS]);
    assert.equal(body.openviduWebhookEndpoint, hook.endpoint);
    assert.deepEqual(body.openviduWebhookHeaders, hook.headers);
    assert.deepEqual(body.openviduWebhookEvents, ['recordingStatusChanged']);

    assert.equal((await restart({ 'openvidu.recording': false, 'openvidu.webhook': false })).status, 200);
    body = (await call(url, 'GET', '/config', { auth: AUTH })).json();
    assert.deepEqual(Object.keys(body), [...CONFIG_ALWAYS, 'openviduWebhook']);
  });

  void it('the legacy /config sub-paths answer plain values', async () => {
    const get = async (p: string) => (await call(url, 'GET', `/config/${p}`, { auth: AUTH })).text;
    assert.equal(await get('openvidu-version'), '2.11.0');
    assert.equal(await get('openvidu-recording'), 'false');
    assert.equal(await get('openvidu-recording-path'), '/rec');
    assert.equal(await get('openvidu-cdr'), 'false');
    assert.equal(await get('openvidu-publicurl'), `https://localhost:${port}/`);
  });

  void it('GET /pro/config has exactly the keys of the 2.11 sample, in the same order', async () => {
    const res = await call(url, 'GET', '/pro/config', { auth: AUTH });
    assert.equal(res.status, 200);
    assert.match(String(res.headers['content-type']), /^application\/json/);
    const body = res.json();
    assert.deepEqual(Object.keys(body), PRO_SAMPLE_KEYS);
    assert.equal(body.version, '2.11.0');
    assert.equal(body.openviduServerDependencyVersion, '2.11.0');
    assert.equal(body.openviduPublicurl, `https://localhost:${port}/`, 'the final URL, as in the sample');
    assert.equal(body.openviduProStatsMonitoringInterval, 30);
    assert.equal(body.openviduProStatsWebrtcInterval, 20, 'OPENVIDU_PRO_STATS_WEBRTC_INTERVAL');
    assert.equal(body.openviduProCluster, false);
    assert.equal(body.openviduProClusterLoadStrategy, 'sessions', 'OPENVIDU_PRO_CLUSTER_LOAD_STRATEGY');
    assert.deepEqual(body.kmsUris, [emu.uri]);
    assert.equal(body.openviduRecordingPath, '/rec/');
    assert.equal(body.openviduWebhook, false);
    assert.ok(!res.text.includes(SECRET), 'the secret is never returned');
  });

  void it('/health/live and /health/ready are public, 200, and carry no secret', async () => {
    for (const p of ['/health/live', '/health/ready']) {
      for (const auth of [undefined, AUTH]) {
        const res = await call(url, 'GET', p, { auth });
        assert.equal(res.status, 200, `${p}: ${res.text}`);
        assert.equal(res.json().status, 'ok');
        assert.ok(!res.text.includes(SECRET), `${p} leaks the secret`);
        assert.ok(!res.text.includes(Buffer.from(`OPENVIDUAPP:${SECRET}`).toString('base64')));
      }
    }
  });

  void it('/health/ready is 503 while a restart is being applied and 200 again afterwards; live stays 200', async () => {
    const slow = app.get(SlowApplier);
    slow.close();
    const entered = new Promise<void>((resolve) => (slow.entered = resolve));
    const pending = restart({ 'openvidu.cdr': true });
    await entered;
    const ready = await call(url, 'GET', '/health/ready', { auth: null });
    assert.equal(ready.status, 503, ready.text);
    assert.ok(!ready.text.includes(SECRET));
    assert.equal((await call(url, 'GET', '/health/live', { auth: null })).status, 200);
    slow.open();
    slow.entered = undefined;
    assert.equal((await pending).status, 200);
    assert.equal((await call(url, 'GET', '/health/ready', { auth: null })).status, 200);
  });
});
