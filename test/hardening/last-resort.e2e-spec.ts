// The last-resort handler, in a process of its own (a test runner's own handler would see the throw
// first): a throw charged to a media server's client is contained and the process keeps running; any
// other uncaught throw still ends the process, as Node's default does.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const MODULE = fileURLToPath(new URL('../../src/media-servers/kurento/fault-domain.js', import.meta.url));

function run(body: string): { status: number | null; stdout: string; stderr: string } {
  const script = `
    import { LastResortHandler, runInFaultDomain } from ${JSON.stringify(MODULE)};
    const handler = new LastResortHandler((m) => process.stderr.write('FATAL ' + m + '\\n'));
    handler.install();
    const domain = { mediaServerId: 'KMS-TEST01', contain: (e) => console.log('contained ' + e.message) };
    ${body}
  `;
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', timeout: 20_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

void describe('the last-resort handler', () => {
  void it('contains throws from timers and sockets of a media server client and keeps running', () => {
    const r = run(`
      runInFaultDomain(domain, () => {
        setTimeout(() => { throw new Error('timer of the client'); }, 5);
        Promise.resolve().then(() => setImmediate(() => { throw new Error('later callback'); }));
      });
      setTimeout(() => { console.log('still serving'); handler.uninstall(); }, 100);
    `);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /contained timer of the client/);
    assert.match(r.stdout, /contained later callback/);
    assert.match(r.stdout, /still serving/);
  });

  void it('lets any other uncaught throw end the process with a fatal line', () => {
    const r = run(`
      setTimeout(() => { throw new Error('not a media server'); }, 5);
      setTimeout(() => console.log('should not run'), 200);
    `);
    assert.equal(r.status, 1);
    assert.match(r.stderr, /FATAL Uncaught exception: Error: not a media server/);
    assert.doesNotMatch(r.stdout, /should not run/);
  });
});
