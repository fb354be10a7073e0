import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { configFilePath, loadConfig } from './config.loader.js';
import { PROPERTIES, defaultConfig, envName } from './config.schema.js';

const dir = mkdtempSync(join(tmpdir(), 'ov-loader-'));
after(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;
function propsFile(text: string): string {
  const f = join(dir, `app-${n++}.properties`);
  writeFileSync(f, text);
  return f;
}

void describe('loadConfig', () => {
  void it('uses the built-in defaults with an empty environment', () => {
    const loaded = loadConfig({});
    assert.deepEqual(loaded.errors, []);
    assert.deepEqual(loaded.config, defaultConfig());
    assert.equal(loaded.config['openvidu.secret'], 'MY_SECRET');
    assert.equal(loaded.config['server.port'], 4443);
    assert.equal(loaded.sources.size, 0);
  });

  void it('layers defaults < environment < file and records where each value came from', () => {
    const file = propsFile('openvidu.cdr=true\nserver.port=5555\n');
    const loaded = loadConfig({
      OPENVIDU_CONFIG_FILE: file,
      SERVER_PORT: '4000',
      OPENVIDU_SECRET: 'from-env',
      OPENVIDU_CDR: 'false',
    });
    assert.deepEqual(loaded.errors, []);
    assert.equal(loaded.config['server.port'], 5555, 'file beats env');
    assert.equal(loaded.config['openvidu.cdr'], true, 'file beats env');
    assert.equal(loaded.config['openvidu.secret'], 'from-env', 'env beats default');
    assert.equal(loaded.config['openvidu.recording'], false, 'default');
    assert.equal(loaded.sources.get('server.port'), 'file');
    assert.equal(loaded.sources.get('openvidu.secret'), 'env');
    assert.equal(loaded.sources.has('openvidu.recording'), false);
    assert.equal(loaded.configFile, file);
  });

  void it('maps UPPER_SNAKE environment names (dots and dashes become _) and dotted names', () => {
    assert.equal(envName('openvidu.pro.cluster.load.strategy'), 'OPENVIDU_PRO_CLUSTER_LOAD_STRATEGY');
    assert.equal(envName('openvidu.recording.public-access'), 'OPENVIDU_RECORDING_PUBLIC_ACCESS');
    assert.equal(envName('kms.uris'), 'KMS_URIS');
    const loaded = loadConfig({
      OPENVIDU_PRO_CLUSTER_LOAD_STRATEGY: 'mediaObjects',
      OPENVIDU_PRO_CLUSTER: 'true',
      OPENVIDU_RECORDING_PUBLIC_ACCESS: 'true',
      OPENVIDU_STREAMS_VIDEO_MAX_RECV_BANDWIDTH: '0',
      OPENVIDU_WEBHOOK_EVENTS: '["sessionCreated"]',
      'openvidu.publicurl': 'https://dotted.example',
    });
    assert.deepEqual(loaded.errors, []);
    assert.equal(loaded.config['openvidu.pro.cluster.load.strategy'], 'mediaObjects');
    assert.equal(loaded.config['openvidu.pro.cluster'], true);
    assert.equal(loaded.config['openvidu.recording.public-access'], true);
    assert.equal(loaded.config['openvidu.streams.video.max-recv-bandwidth'], 0);
    assert.deepEqual(loaded.config['openvidu.webhook.events'], ['sessionCreated']);
    assert.equal(loaded.config['openvidu.publicurl'], 'https://dotted.example');
  });

  void it('maps every property to a distinct environment name', () => {
    const names = PROPERTIES.map((p) => envName(p.key));
    assert.equal(new Set(names).size, names.length);
    for (const name of names) assert.match(name, /^[A-Z][A-Z0-9_]*$/);
  });

  void it('parses kms.uris leniently, as 2.11 does', () => {
    const cases: Array<[string, string[]]> = [
      ['["ws://a:8888/kurento","ws://b:8888/kurento"]', ['ws://a:8888/kurento', 'ws://b:8888/kurento']],
      ['[ws://a:8888/kurento, "ws://b:8888/kurento"]', ['ws://a:8888/kurento', 'ws://b:8888/kurento']],
      ['ws://a:8888/kurento', ['ws://a:8888/kurento']],
      ['[\\"ws://a:8888/kurento\\"]', ['ws://a:8888/kurento']],
      [" [ 'wss://a/kurento' ] ", ['wss://a/kurento']],
      ['[]', []],
      ['', []],
    ];
    for (const [text, want] of cases) {
      const loaded = loadConfig({ KMS_URIS: text });
      assert.deepEqual(loaded.errors, [], text);
      assert.deepEqual(loaded.config['kms.uris'], want, text);
    }
    const bad = loadConfig({ KMS_URIS: '["http://a:8888/kurento"]' });
    assert.equal(bad.errors.length, 1);
    assert.match(bad.errors[0], /^kms\.uris \(KMS_URIS\): .*not a ws/);
  });

  void it('lists every bad key with its source and reason, never stopping at the first', () => {
    const file = propsFile('openvidu.recording.autostop-timeout=soon\n');
    const loaded = loadConfig({
      OPENVIDU_CONFIG_FILE: file,
      SERVER_PORT: 'http',
      OPENVIDU_CDR: 'yes',
      OPENVIDU_PRO_CLUSTER_LOAD_STRATEGY: 'random',
      OPENVIDU_WEBHOOK_EVENTS: '["sessionCreated","nope"]',
      OPENVIDU_WEBHOOK_HEADERS: 'X: y',
      OPENVIDU_SECRET: '',
    });
    const text = loaded.errors.join('\n');
    for (const want of [
      'server.port (SERVER_PORT)',
      'openvidu.cdr (OPENVIDU_CDR)',
      'openvidu.pro.cluster.load.strategy (OPENVIDU_PRO_CLUSTER_LOAD_STRATEGY)',
      'openvidu.webhook.events (OPENVIDU_WEBHOOK_EVENTS)',
      'openvidu.webhook.headers (OPENVIDU_WEBHOOK_HEADERS)',
      'openvidu.secret (OPENVIDU_SECRET)',
      'openvidu.recording.autostop-timeout (file)',
    ]) {
      assert.ok(text.includes(want), `missing "${want}" in:\n${text}`);
    }
    assert.equal(loaded.errors.length, 7);
  });

  void it('reports cross-property errors together with the other bad keys', () => {
    const loaded = loadConfig({ SERVER_PORT: '99999', OPENVIDU_WEBHOOK: 'true' });
    const text = loaded.errors.join('\n');
    assert.match(text, /server\.port/);
    assert.match(text, /openvidu\.webhook\.endpoint: .*openvidu\.webhook is true/);
  });

  void it('checks the webhook endpoint and the certificate pair across properties', () => {
    assert.deepEqual(loadConfig({ OPENVIDU_WEBHOOK: 'true', OPENVIDU_WEBHOOK_ENDPOINT: 'http://h:1/x' }).errors, []);
    assert.equal(loadConfig({ OPENVIDU_WEBHOOK: 'true', OPENVIDU_WEBHOOK_ENDPOINT: 'h:1/x' }).errors.length, 1);
    assert.deepEqual(loadConfig({ OPENVIDU_WEBHOOK: 'false', OPENVIDU_WEBHOOK_ENDPOINT: 'junk' }).errors, []);
    const cert = loadConfig({ SERVER_SSL_CERTIFICATE: '/c.pem' });
    assert.equal(cert.errors.length, 1);
    assert.match(cert.errors[0], /^server\.ssl\.certificate-private-key: /);
  });

  void it('keeps unknown keys of the file aside instead of failing', () => {
    const file = propsFile('# comment\nspring.profiles.active=docker\nopenvidu.cdr=true\n');
    const loaded = loadConfig({ OPENVIDU_CONFIG_FILE: file });
    assert.deepEqual(loaded.errors, []);
    assert.deepEqual(loaded.unknownFileKeys, ['spring.profiles.active']);
    assert.equal(loaded.config['openvidu.cdr'], true);
  });

  void it('reads the file named by OPENVIDU_CONFIG_FILE or spring.config.additional-location (file: prefix)', () => {
    const file = propsFile('openvidu.secret=from-file\n');
    assert.equal(configFilePath({ SPRING_CONFIG_ADDITIONAL_LOCATION: `file:${file}` }), file);
    assert.equal(configFilePath({ 'spring.config.additional-location': file }), file);
    assert.equal(configFilePath({}), undefined);
    assert.equal(
      loadConfig({ SPRING_CONFIG_ADDITIONAL_LOCATION: `file:${file}` }).config['openvidu.secret'],
      'from-file',
    );
  });

  void it('treats a missing file as empty (a first /pro/restart creates it) and an unreadable one as an error', () => {
    const missing = loadConfig({ OPENVIDU_CONFIG_FILE: join(dir, 'absent.properties') });
    assert.deepEqual(missing.errors, []);
    const asDir = join(dir, 'a-directory.properties');
    mkdirSync(asDir);
    const bad = loadConfig({ OPENVIDU_CONFIG_FILE: asDir });
    assert.equal(bad.errors.length, 1);
    assert.match(bad.errors[0], /^OPENVIDU_CONFIG_FILE: cannot read/);
  });

  void it('reads .properties escapes, separators and continuation lines as Java does', () => {
    const file = propsFile(
      [
        'openvidu.secret = s3cr\\=t\\:x',
        'openvidu.publicurl:https://a.example',
        'openvidu.recording.path /multi\\',
        '   /line',
        'openvidu.webhook.headers=["Authorization: Basic YWJj"]',
        '',
      ].join('\n'),
    );
    const loaded = loadConfig({ OPENVIDU_CONFIG_FILE: file });
    assert.deepEqual(loaded.errors, []);
    assert.equal(loaded.config['openvidu.secret'], 's3cr=t:x');
    assert.equal(loaded.config['openvidu.publicurl'], 'https://a.example');
    assert.equal(loaded.config['openvidu.recording.path'], '/multi/line');
    assert.deepEqual(loaded.config['openvidu.webhook.headers'], ['Authorization: Basic YWJj']);
  });
});
