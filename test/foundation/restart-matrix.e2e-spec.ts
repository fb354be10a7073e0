// POST /pro/restart (docs/openvidu-api.md §3.2) over real HTTPS: every restartable key valid and invalid, keys that
// cannot be restarted, wrong types, webhook rules, bad bodies. A rejected body changes nothing: neither
// GET /pro/config nor a single byte (or the inode) of the externalized config file.
import { after, before, beforeEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { INestApplication } from '@nestjs/common';
import { readPropertiesFile } from '../../src/config/config.loader.js';
import { PROPERTIES } from '../../src/config/config.schema.js';
import { toPropertyText } from '../../src/config/config.values.js';
import { bootApp } from '../support/boot.js';
import { type Emulator, startEmulator } from '../support/emulators.js';
import { baseEnv, basic, tempDir } from '../support/fixtures.js';
import { call, type Reply } from '../support/http.js';

const FIRST_SECRET = 'matrix-secret-1';
const FILE_TEXT = [
  '# OpenVidu Pro externalized configuration',
  '! kept by hand, do not lose this comment',
  'openvidu.recording.path=/from/file',
  'my.own.key = kept as is',
  '',
].join('\n');

/** §3.2: the keys a restart accepts, each with a valid value, what GET /pro/config then shows, and bad values. */
interface Case {
  key: string;
  field?: string;
  valid: unknown;
  shown?: unknown;
  invalid: unknown[];
}
const BANDWIDTH = (key: string, field: string, valid: number): Case => ({
  key,
  field,
  valid,
  invalid: ['600', -1, 1.5, 2 ** 60, null, true],
});
const CASES: Case[] = [
  { key: 'openvidu.cdr', field: 'openviduCdr', valid: true, invalid: ['true', 1, null, []] },
  { key: 'openvidu.recording', field: 'openviduRecording', valid: true, invalid: ['yes', 0, {}] },
  { key: 'openvidu.recording.public-access', field: 'openviduRecordingPublicAccess', valid: true, invalid: ['false'] },
  {
    key: 'openvidu.recording.notification',
    field: 'openviduRecordingNotification',
    valid: 'moderator',
    invalid: ['everyone', '', 3, ['all']],
  },
  {
    key: 'openvidu.recording.path',
    field: 'openviduRecordingPath',
    valid: '/var/rec',
    shown: '/var/rec/',
    invalid: [false, ['/x']],
  },
  {
    key: 'openvidu.recording.custom-layout',
    field: 'openviduRecordingCustomLayout',
    valid: '/var/layouts',
    shown: '/var/layouts/',
    invalid: [7, null],
  },
  {
    key: 'openvidu.recording.autostop-timeout',
    field: 'openviduRecordingAutostopTimeout',
    valid: 30,
    invalid: ['30', -1, 1.5, 1e21],
  },
  {
    key: 'openvidu.webhook.endpoint',
    field: 'openviduWebhookEndpoint',
    valid: 'http://127.0.0.1:9/hook',
    invalid: [1, null],
  },
  {
    key: 'openvidu.webhook.headers',
    field: 'openviduWebhookHeaders',
    valid: ['X-Token: abc', 'Authorization: Basic YWJjZDphYmNk'],
    invalid: [['X-Token abc'], ['X-Token:abc'], ['X-Token: '], [': v'], ['Bad Name: v'], [1], 'X-Token: abc', {}],
  },
  {
    key: 'openvidu.webhook.events',
    field: 'openviduWebhookEvents',
    valid: ['sessionCreated', 'recordingStatusChanged'],
    invalid: [['sessionStarted'], ['recordingStarted'], [1], 'sessionCreated'],
  },
  {
    key: 'openvidu.webhook',
    field: 'openviduWebhook',
    valid: true,
    invalid: ['true', 1],
  },
  BANDWIDTH('openvidu.streams.video.max-recv-bandwidth', 'maxRecvBandwidth', 600),
  BANDWIDTH('openvidu.streams.video.min-recv-bandwidth', 'minRecvBandwidth', 100),
  BANDWIDTH('openvidu.streams.video.max-send-bandwidth', 'maxSendBandwidth', 700),
  BANDWIDTH('openvidu.streams.video.min-send-bandwidth', 'minSendBandwidth', 0),
  {
    key: 'openvidu.pro.stats.monitoring-interval',
    field: 'openviduProStatsMonitoringInterval',
    valid: 0,
    invalid: [-1, 'x'],
  },
  {
    key: 'openvidu.pro.stats.webrtc-interval',
    field: 'openviduProStatsWebrtcInterval',
    valid: 5,
    invalid: [-5, false],
  },
  { key: 'openvidu.secret', valid: 'matrix-secret-2', invalid: ['', 42, null, ['s']] },
  { key: 'openvidu.recording.file-wait-timeout', valid: 2000, invalid: ['2000', -1, 1.5] },
  { key: 'coturn.shared-secret', valid: 'turn-secret', invalid: [42, null, ['s']] },
  { key: 'coturn.credential-lifetime', valid: 3600, invalid: ['3600', 59, 1.5, -1] },
  { key: 'coturn.credentials', valid: 'rest-api', invalid: ['sqlite', 1, null] },
];

void describe('POST /pro/restart matrix (docs/openvidu-api.md §3.2)', () => {
  let emu: Emulator;
  let app: INestApplication;
  let url: string;
  let auth = basic(FIRST_SECRET);
  const tmp = tempDir('matrix');
  const file = join(tmp.dir, 'application.properties');

  before(async () => {
    writeFileSync(file, FILE_TEXT);
    emu = await startEmulator();
    ({ app, url } = await bootApp(
      baseEnv(tmp.dir, emu.uri, { OPENVIDU_SECRET: FIRST_SECRET, OPENVIDU_CONFIG_FILE: file }),
    ));
  });

  after(async () => {
    await app?.close();
    await emu?.close();
    tmp.remove();
  });

  const restart = (body: unknown, path = '/pro/restart', extra: { headers?: Record<string, string> } = {}) =>
    call(url, 'POST', path, { auth, body, ...extra });
  const proConfig = async () => (await call(url, 'GET', '/pro/config', { auth })).json();
  const fileState = () => ({ text: readFileSync(file, 'utf8'), ino: statSync(file).ino });

  /** Sends a body that must be refused with `status`, then checks memory and file are untouched. */
  async function rejected(
    body: unknown,
    status: number,
    mention: string[] = [],
    path = '/pro/restart',
    headers?: Record<string, string>,
  ) {
    const config = await proConfig();
    const before = fileState();
    const res: Reply = await restart(body, path, { headers });
    const what = `${path} ${typeof body === 'string' ? body.slice(0, 80) : JSON.stringify(body)?.slice(0, 120)}`;
    assert.equal(res.status, status, `${what}: ${res.text.slice(0, 300)}`);
    const err = res.json();
    assert.deepEqual(Object.keys(err), ['timestamp', 'status', 'error', 'message', 'path'], `${what}: §2.0 body`);
    assert.equal(err.status, status);
    assert.equal(err.path, path);
    for (const m of mention) {
      assert.ok(String(err.message).includes(m), `${what}: message "${String(err.message)}" lacks ${m}`);
    }
    assert.deepEqual(await proConfig(), config, `${what}: GET /pro/config changed`);
    assert.deepEqual(fileState(), before, `${what}: the config file was touched`);
    return err;
  }

  void it('accepts exactly the §3.2 keys', () => {
    const restartable = PROPERTIES.filter((p) => p.restartable).map((p) => p.key);
    assert.deepEqual(new Set(restartable), new Set(CASES.map((c) => c.key)));
  });

  void describe('each restartable key, valid and invalid', () => {
    for (const c of CASES) {
      void it(`${c.key}: refuses ${c.invalid.length} bad value(s), then applies a valid one in place and persists it`, async () => {
        for (const bad of c.invalid) await rejected({ [c.key]: bad }, 400, [`"${c.key}"`]);
        const body: Record<string, unknown> = { [c.key]: c.valid };
        if (c.key === 'openvidu.webhook') body['openvidu.webhook.endpoint'] = 'http://127.0.0.1:9/hook';
        const res = await restart(body);
        assert.equal(res.status, 200, res.text);
        assert.equal(typeof res.json().message, 'string');
        if (c.key === 'openvidu.secret') {
          assert.equal((await call(url, 'GET', '/pro/config', { auth })).status, 401, 'old secret refused');
          auth = basic(c.valid as string);
        }
        const config = await proConfig();
        if (c.field) assert.deepEqual(config[c.field], c.shown ?? c.valid, `GET /pro/config ${c.field}`);
        assert.equal(readPropertiesFile(file)[c.key], toPropertyText(c.valid), `${c.key} persisted`);
        const text = readFileSync(file, 'utf8');
        for (const line of FILE_TEXT.split('\n').filter(
          (l) => l.startsWith('#') || l.startsWith('!') || l.startsWith('my.'),
        )) {
          assert.ok(text.includes(line), `the file lost "${line}"`);
        }
      });
    }
  });

  void it('refuses keys that a restart cannot change, naming the key and the reason', async () => {
    for (const [key, value] of Object.entries({
      'kms.uris': ['ws://127.0.0.1:1/kurento'],
      'openvidu.pro.cluster': true,
      'openvidu.pro.cluster.load.strategy': 'cpu',
      'server.port': 1234,
      'server.ssl.enabled': false,
      'openvidu.publicurl': 'https://example.org',
    })) {
      await rejected({ [key]: value }, 400, [`"${key}"`, 'cannot be changed by a restart']);
    }
  });

  void it('refuses unknown keys, and a valid key in the same body is not applied either', async () => {
    await rejected({ 'openvidu.nope': 1 }, 400, ['"openvidu.nope"', 'not a known property']);
    await rejected({ OPENVIDU_CDR: false }, 400, ['"OPENVIDU_CDR"']);
    await rejected(JSON.parse('{"__proto__": {"openvidu.cdr": false}}'), 400, ['__proto__']);
    await rejected({ 'openvidu.cdr': false, 'openvidu.nope': 1 }, 400, ['openvidu.nope']);
  });

  void it('names every bad key of a body in one message', async () => {
    await rejected(
      { 'openvidu.cdr': 'x', 'kms.uris': [], 'bogus.key': 1, 'openvidu.recording.notification': 'no' },
      400,
      ['openvidu.cdr', 'kms.uris', 'bogus.key', 'openvidu.recording.notification'],
    );
  });

  void it('refuses a webhook enabled without a valid endpoint', async () => {
    assert.equal((await restart({ 'openvidu.webhook': false, 'openvidu.webhook.endpoint': '' })).status, 200);
    await rejected({ 'openvidu.webhook': true }, 400, ['openvidu.webhook.endpoint']);
    for (const endpoint of ['', 'not a url', 'ftp://127.0.0.1/x', 'http://']) {
      await rejected({ 'openvidu.webhook': true, 'openvidu.webhook.endpoint': endpoint }, 400, [
        'openvidu.webhook.endpoint',
      ]);
    }
    assert.equal(
      (await restart({ 'openvidu.webhook': true, 'openvidu.webhook.endpoint': 'https://h.example/w' })).status,
      200,
    );
    await rejected({ 'openvidu.webhook.endpoint': '' }, 400, ['openvidu.webhook.endpoint']);
    assert.equal((await restart({ 'openvidu.webhook': false })).status, 200);
  });

  void it('refuses bodies that are not a JSON object: empty, not JSON, null, array, scalar, wrong content type', async () => {
    await rejected(undefined, 400);
    await rejected('', 400);
    await rejected('{"openvidu.cdr": tru', 400);
    await rejected('{"openvidu.cdr": false', 400);
    for (const text of ['null', '[]', '[{"openvidu.cdr": false}]', '"x"', '42']) await rejected(text, 400);
    await rejected('{"openvidu.cdr": false}', 400, [], '/pro/restart', { 'content-type': 'text/plain' });
  });

  void it('answers 413 to a huge body', async () => {
    const huge = { 'openvidu.recording.path': `/${'x'.repeat(2 * 1024 * 1024)}` };
    await rejected(huge, 413);
  });

  void it('works the same on /pro/restart/ (the URL of the docs)', async () => {
    await rejected({ 'kms.uris': [] }, 400, ['kms.uris'], '/pro/restart/');
    const res = await restart({ 'openvidu.cdr': false }, '/pro/restart/');
    assert.equal(res.status, 200, res.text);
    assert.equal((await proConfig()).openviduCdr, false);
  });

  void describe('concurrent restarts', () => {
    beforeEach(async () => {
      assert.equal((await restart({ 'openvidu.webhook': false, 'openvidu.webhook.endpoint': '' })).status, 200);
    });

    void it('are applied one after the other: the file ends with every value that memory holds', async () => {
      const bodies = CASES.filter((c) => typeof c.valid === 'number' && c.field).flatMap((c, i) => [
        { [c.key]: 11 + i },
        { [c.key]: 21 + i },
      ]);
      const replies = await Promise.all(bodies.map((b) => restart(b)));
      assert.deepEqual(
        replies.map((r) => r.status),
        bodies.map(() => 200),
      );
      const config = await proConfig();
      const props = readPropertiesFile(file);
      for (const c of CASES.filter((x) => typeof x.valid === 'number' && x.field)) {
        assert.equal(props[c.key], String(config[c.field!]), `file and memory disagree on ${c.key}`);
      }
    });

    void it('never let two bodies that are valid alone combine into an invalid config', async () => {
      for (let i = 0; i < 20; i++) {
        const [a, b] = await Promise.all([
          restart({ 'openvidu.webhook': true, 'openvidu.webhook.endpoint': 'http://127.0.0.1:9/h' }),
          restart({ 'openvidu.webhook.endpoint': '' }),
        ]);
        assert.ok(a.status === 200 || b.status === 200, 'one of them applies');
        const config = await proConfig();
        assert.ok(
          !(config.openviduWebhook === true && config.openviduWebhookEndpoint === ''),
          'webhook on with no endpoint',
        );
        const props = readPropertiesFile(file);
        assert.equal(props['openvidu.webhook'], String(config.openviduWebhook));
        assert.equal(props['openvidu.webhook.endpoint'], config.openviduWebhookEndpoint);
        assert.equal((await restart({ 'openvidu.webhook': false, 'openvidu.webhook.endpoint': '' })).status, 200);
      }
    });
  });
});
