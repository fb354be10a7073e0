import { after, afterEach, describe, it, mock, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Logger } from '@nestjs/common';
import { fakeConfig } from '../testing/fakes.js';
import { CdrFileWriter } from './cdr-file.writer.js';
import type { CdrRecord } from './cdr-events.js';

const root = mkdtempSync(join(tmpdir(), 'ov-cdr-'));
after(() => rmSync(root, { recursive: true, force: true }));
let dirs = 0;

const pad = (n: number) => String(n).padStart(2, '0');
/** `yyyy-MM-dd` of the local day, as logback names the files. */
const day = (ms: number) => {
  const d = new Date(ms);
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
};
const DAY = 24 * 3600 * 1000;
/** Local noon, so a day's tick never crosses a DST change into another date. */
const NOON = new Date(2026, 2, 10, 12, 0, 0).getTime();

const rec = (sessionId: string): CdrRecord => ({ name: 'sessionCreated', payload: { sessionId, timestamp: 1 } });

function sut(t: TestContext, cdr = true) {
  const dir = join(root, `d${dirs++}`);
  const config = fakeConfig({ 'openvidu.cdr': cdr, 'openvidu.cdr.path': dir });
  const logs: string[] = [];
  t.mock.method(Logger.prototype, 'log', (m: unknown) => void logs.push(`log ${String(m)}`));
  t.mock.method(Logger.prototype, 'error', (m: unknown) => void logs.push(`error ${String(m)}`));
  const writer = new CdrFileWriter(config);
  return { dir, config, writer, logs };
}

void describe(CdrFileWriter.name, () => {
  afterEach(() => mock.timers.reset());

  void it('appends one JSON line per event, in order, to CDR.<day>_<start time>.log', async (t) => {
    mock.timers.enable({ apis: ['Date'], now: NOON });
    const { dir, writer } = sut(t);
    mock.timers.tick(5000);
    for (let i = 0; i < 50; i++) writer.onCdrEvent(rec(`s${i}`));
    await writer.flush();
    assert.deepEqual(readdirSync(dir), [`CDR.${day(NOON)}_12-00-00.log`]);
    assert.equal(writer.currentFile(), join(dir, `CDR.${day(NOON)}_12-00-00.log`));
    const lines = readFileSync(writer.currentFile(), 'utf8').split('\n');
    assert.equal(lines.pop(), '', 'every line ends with a newline');
    assert.deepEqual(
      lines,
      Array.from({ length: 50 }, (_, i) => `{"sessionCreated":{"sessionId":"s${i}","timestamp":1}}`),
    );
  });

  void it('writes nothing while openvidu.cdr is false, and follows a reload both ways', async (t) => {
    const { dir, config, writer } = sut(t, false);
    writer.onCdrEvent(rec('off'));
    await writer.flush();
    assert.equal(existsSync(dir), false);
    config.set({ 'openvidu.cdr': true });
    writer.onCdrEvent(rec('on'));
    config.set({ 'openvidu.cdr': false });
    writer.onCdrEvent(rec('off again'));
    await writer.flush();
    assert.equal(readFileSync(writer.currentFile(), 'utf8'), '{"sessionCreated":{"sessionId":"on","timestamp":1}}\n');
  });

  void it('starts a new file each day and removes CDR files older than 30 days, nothing else', async (t) => {
    mock.timers.enable({ apis: ['Date'], now: NOON });
    const { dir, writer } = sut(t);
    mkdirSync(dir, { recursive: true });
    const old = `CDR.${day(NOON - 31 * DAY)}_08-00-00.log`;
    const kept = `CDR.${day(NOON - 29 * DAY)}_08-00-00.log`;
    for (const name of [old, kept, 'notes.txt', `CDR.${day(NOON - 90 * DAY)}.log`]) writeFileSync(join(dir, name), 'x');
    writer.onCdrEvent(rec('today'));
    await writer.flush();
    assert.equal(existsSync(join(dir, old)), false);
    assert.equal(existsSync(join(dir, kept)), true);
    mock.timers.tick(2 * DAY);
    writer.onCdrEvent(rec('later'));
    await writer.flush();
    assert.equal(existsSync(join(dir, kept)), false, 'pruned again on the first write of a new day');
    assert.deepEqual(readdirSync(dir).sort(), [
      `CDR.${day(NOON - 90 * DAY)}.log`,
      `CDR.${day(NOON)}_12-00-00.log`,
      `CDR.${day(NOON + 2 * DAY)}_12-00-00.log`,
      'notes.txt',
    ]);
    assert.match(readFileSync(join(dir, `CDR.${day(NOON + 2 * DAY)}_12-00-00.log`), 'utf8'), /"later"/);
  });

  void it('an unwritable directory is logged once, loses only its own lines, and recovery is logged', async (t) => {
    const { config, writer, logs } = sut(t);
    const blocker = join(root, `file-${dirs++}`);
    writeFileSync(blocker, 'not a directory');
    config.set({ 'openvidu.cdr.path': join(blocker, 'cdr') });
    for (let i = 0; i < 3; i++) writer.onCdrEvent(rec(`lost${i}`));
    await writer.flush();
    assert.equal(logs.filter((l) => l.startsWith('error')).length, 1);
    assert.match(
      logs.find((l) => l.startsWith('error'))!,
      /^error Cannot write CDR file in .*: ENOTDIR$/,
    );
    const good = join(root, `d${dirs++}`);
    config.set({ 'openvidu.cdr.path': good });
    writer.onCdrEvent(rec('back'));
    await writer.flush();
    assert.ok(logs.some((l) => l.startsWith('log CDR file writable again')));
    assert.equal(readFileSync(writer.currentFile(), 'utf8'), '{"sessionCreated":{"sessionId":"back","timestamp":1}}\n');
  });

  void it('shutdown waits for the lines already accepted, then takes no more', async (t) => {
    const { writer } = sut(t);
    for (let i = 0; i < 20; i++) writer.onCdrEvent(rec(`s${i}`));
    await writer.onApplicationShutdown();
    assert.equal(readFileSync(writer.currentFile(), 'utf8').split('\n').length, 21);
    assert.equal(writer.enabled, false);
    writer.onCdrEvent(rec('late'));
    await writer.flush();
    assert.doesNotMatch(readFileSync(writer.currentFile(), 'utf8'), /late/);
  });
});
