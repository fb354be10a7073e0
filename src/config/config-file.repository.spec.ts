import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigFileRepository } from './config-file.repository.js';
import { loadConfig, readPropertiesFile } from './config.loader.js';

const dir = mkdtempSync(join(tmpdir(), 'ov-props-'));
after(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;
const fresh = (text?: string) => {
  const f = join(dir, `app-${n++}.properties`);
  if (text !== undefined) writeFileSync(f, text);
  return f;
};
const repo = new ConfigFileRepository();

void describe(ConfigFileRepository.name, () => {
  void it('updates keys in place and keeps every other key, comment and blank line', async () => {
    const original = [
      '# Managed by ops',
      '! second comment style',
      '',
      'openvidu.cdr=false',
      'spring.profiles.active = docker',
      '# about the secret',
      'openvidu.secret: old',
      'trailing.key=1',
    ].join('\n');
    const f = fresh(`${original}\n`);
    await repo.persist(f, { 'openvidu.cdr': true, 'openvidu.secret': 'new' });
    const text = readFileSync(f, 'utf8');
    const lines = text.split('\n');
    for (const keep of [
      '# Managed by ops',
      '! second comment style',
      'spring.profiles.active = docker',
      '# about the secret',
      'trailing.key=1',
    ]) {
      assert.ok(lines.includes(keep), `lost "${keep}" in:\n${text}`);
    }
    assert.equal(
      lines.indexOf('# about the secret') + 1,
      lines.findIndex((l) => l.startsWith('openvidu.secret')),
    );
    assert.ok(lines.findIndex((l) => l.startsWith('openvidu.cdr')) < lines.indexOf('spring.profiles.active = docker'));
    const props = readPropertiesFile(f);
    assert.equal(props['openvidu.cdr'], 'true');
    assert.equal(props['openvidu.secret'], 'new');
    assert.equal(props['trailing.key'], '1');
    assert.equal(text.split('\n').filter((l) => l.startsWith('openvidu.cdr')).length, 1, 'no duplicate line');
  });

  void it('appends new keys, writes arrays as JSON text, and creates a missing file', async () => {
    const f = fresh();
    await repo.persist(f, { 'openvidu.webhook.events': ['sessionCreated', 'sessionDestroyed'], 'openvidu.cdr': true });
    const props = readPropertiesFile(f);
    assert.equal(props['openvidu.webhook.events'], '["sessionCreated","sessionDestroyed"]');
    assert.ok(readFileSync(f, 'utf8').endsWith('\n'));
    const loaded = loadConfig({ OPENVIDU_CONFIG_FILE: f });
    assert.deepEqual(loaded.errors, []);
    assert.deepEqual(loaded.config['openvidu.webhook.events'], ['sessionCreated', 'sessionDestroyed']);
  });

  void it('changes the value that is in force when a key appears twice (last one wins)', async () => {
    const f = fresh('openvidu.cdr=false\nopenvidu.cdr=false\n');
    await repo.persist(f, { 'openvidu.cdr': true });
    assert.equal(loadConfig({ OPENVIDU_CONFIG_FILE: f }).config['openvidu.cdr'], true);
  });

  void it('round-trips values with characters that .properties escapes', async () => {
    const values = {
      'openvidu.secret': ' lead=ing:colon#hash!bang\\back\tslash ü€ trailing ',
      'openvidu.recording.path': 'C:\\recordings\\new',
      'openvidu.webhook.headers': ['Authorization: Basic YWJjZDphYmNk', 'X-Q: "quoted" \\ back'],
      'openvidu.webhook.endpoint': 'https://h.example/hook?a=1&b=#frag',
    };
    const f = fresh('# c\n');
    await repo.persist(f, values);
    const loaded = loadConfig({ OPENVIDU_CONFIG_FILE: f });
    assert.deepEqual(loaded.errors, []);
    for (const [k, v] of Object.entries(values)) assert.deepEqual(loaded.config[k as keyof typeof loaded.config], v, k);
  });

  void it('leaves no temporary file behind and keeps the secret file private', async () => {
    const sub = mkdtempSync(join(dir, 'clean-'));
    const f = join(sub, 'application.properties');
    for (let i = 0; i < 5; i++) await repo.persist(f, { 'openvidu.recording.autostop-timeout': i });
    assert.deepEqual(readdirSync(sub), ['application.properties']);
    assert.equal(statSync(f).mode & 0o077, 0, 'not readable by group or others');
  });

  void it('keeps the permissions an operator gave an existing file', async () => {
    const f = fresh('openvidu.cdr=false\n');
    chmodSync(f, 0o640);
    await repo.persist(f, { 'openvidu.cdr': true });
    assert.equal(statSync(f).mode & 0o777, 0o640);
    assert.match(readFileSync(f, 'utf8'), /openvidu\.cdr=true/);
  });

  void it('render() is pure: it does not touch the file', () => {
    const f = fresh('openvidu.cdr=false\n');
    const before = statSync(f);
    const text = new ConfigFileRepository().render(f, { 'openvidu.cdr': true });
    assert.match(text, /openvidu\.cdr=true/);
    assert.equal(readFileSync(f, 'utf8'), 'openvidu.cdr=false\n');
    assert.equal(statSync(f).mtimeMs, before.mtimeMs);
  });
});
