import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EventEmitter2 } from '@nestjs/event-emitter';
import { BadRequestError } from '../common/errors.js';
import { ConfigFileRepository } from './config-file.repository.js';
import { loadConfig, readPropertiesFile } from './config.loader.js';
import { CONFIG_UPDATED, OpenViduConfigService, type ConfigUpdatedEvent } from './config.service.js';

const dir = mkdtempSync(join(tmpdir(), 'ov-cfgsvc-'));
after(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;

function sut(env: Record<string, string> = {}, fileText?: string) {
  const file = join(dir, `app-${n++}.properties`);
  if (fileText !== undefined) writeFileSync(file, fileText);
  const events = new EventEmitter2();
  const config = new OpenViduConfigService(
    loadConfig({ OPENVIDU_CONFIG_FILE: file, ...env }),
    new ConfigFileRepository(),
    events,
  );
  return { config, events, file };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
/** emitAsync awaits what a listener returns, so async listeners are what modules register. */
const onUpdated = (events: EventEmitter2, fn: (e: ConfigUpdatedEvent) => Promise<void>) =>
  events.on(CONFIG_UPDATED, fn as (...args: unknown[]) => void);

void describe(OpenViduConfigService.name, () => {
  void it('applies a valid body in memory, persists it, and announces only what changed', async () => {
    const { config, events, file } = sut({}, '# ops\n');
    const seen: ConfigUpdatedEvent[] = [];
    events.on(CONFIG_UPDATED, (e: ConfigUpdatedEvent) => void seen.push(e));
    const before = config.snapshot();
    const res = await config.restart({ 'openvidu.cdr': true, 'openvidu.recording': false });
    assert.match(res.message, /Persisted to/);
    assert.equal(config.get('openvidu.cdr'), true);
    assert.equal(seen.length, 1);
    assert.deepEqual(seen[0].changed, ['openvidu.cdr']);
    assert.equal(seen[0].previous, before);
    assert.equal(seen[0].current, config.snapshot());
    assert.equal(before['openvidu.cdr'], false, 'the previous snapshot is not mutated');
    assert.ok(Object.isFrozen(config.snapshot()));
    assert.equal(readPropertiesFile(file)['openvidu.cdr'], 'true');
  });

  void it('throws a 400 naming each bad key and leaves memory, file and listeners untouched', async () => {
    const { config, events, file } = sut({}, 'openvidu.cdr=false\n');
    let calls = 0;
    events.on(CONFIG_UPDATED, () => void calls++);
    const snap = config.snapshot();
    for (const body of [
      null,
      [],
      'x',
      { 'openvidu.cdr': 'yes' },
      { 'kms.uris': [] },
      { nope: 1 },
      { 'openvidu.webhook': true },
    ]) {
      await assert.rejects(config.restart(body), BadRequestError, JSON.stringify(body));
    }
    assert.equal(config.snapshot(), snap);
    assert.equal(readFileSync(file, 'utf8'), 'openvidu.cdr=false\n');
    assert.equal(calls, 0);
  });

  void it('applies restarts one at a time: the next one starts after every listener of the previous one', async () => {
    const { config, events, file } = sut();
    const log: string[] = [];
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    let entered!: () => void;
    const aEntered = new Promise<void>((resolve) => (entered = resolve));
    onUpdated(events, async (e) => {
      const tag = e.changed.join(',');
      log.push(`start ${tag}`);
      if (tag === 'openvidu.webhook,openvidu.webhook.endpoint') {
        entered();
        await gate;
      }
      log.push(`end ${tag}`);
    });
    const a = config.restart({ 'openvidu.webhook': true, 'openvidu.webhook.endpoint': 'http://h/x' });
    // b is valid alone but not after a; its rejection is captured now so it is never unhandled.
    const b = config.restart({ 'openvidu.webhook.endpoint': '' }).then(
      () => undefined,
      (e: unknown) => e,
    );
    const c = config.restart({ 'openvidu.cdr': true });
    await aEntered;
    // Time enough for b and c to persist and announce, were they not waiting for a.
    await sleep(150);
    assert.deepEqual(log, ['start openvidu.webhook,openvidu.webhook.endpoint'], 'b and c wait for a');
    assert.equal(config.restarting, true);
    release();
    await a;
    const bError = await b;
    assert.ok(bError instanceof BadRequestError, 'b is validated against the config a left');
    assert.match(bError.message, /openvidu\.webhook\.endpoint/);
    await c;
    assert.deepEqual(log, [
      'start openvidu.webhook,openvidu.webhook.endpoint',
      'end openvidu.webhook,openvidu.webhook.endpoint',
      'start openvidu.cdr',
      'end openvidu.cdr',
    ]);
    assert.equal(config.restarting, false);
    assert.equal(config.get('openvidu.webhook.endpoint'), 'http://h/x');
    const props = readPropertiesFile(file);
    assert.equal(props['openvidu.webhook.endpoint'], 'http://h/x');
    assert.equal(props['openvidu.cdr'], 'true');
  });

  void it('is not restarting once a listener fails, and the next restart still runs', async () => {
    const { config, events } = sut();
    onUpdated(events, () => Promise.reject(new Error('listener broke')));
    await config.restart({ 'openvidu.cdr': true }).catch(() => undefined);
    assert.equal(config.restarting, false);
    events.removeAllListeners(CONFIG_UPDATED);
    await config.restart({ 'openvidu.cdr': false });
    assert.equal(config.get('openvidu.cdr'), false);
  });

  void it('applies in memory and says so when the file cannot be written', async () => {
    const file = join(dir, 'no-such-dir', 'application.properties');
    const config = new OpenViduConfigService(
      loadConfig({ OPENVIDU_CONFIG_FILE: file }),
      new ConfigFileRepository(),
      new EventEmitter2(),
    );
    const res = await config.restart({ 'openvidu.cdr': true });
    assert.equal(config.get('openvidu.cdr'), true);
    assert.match(res.message, /could not write .*in memory only/);
  });

  void it('says the values live in memory only when no config file is set', async () => {
    const config = new OpenViduConfigService(loadConfig({}), new ConfigFileRepository(), new EventEmitter2());
    const res = await config.restart({ 'openvidu.secret': 'other' });
    assert.match(res.message, /memory only/);
    assert.ok(!res.message.includes('other'), 'the secret is not echoed');
  });
});
