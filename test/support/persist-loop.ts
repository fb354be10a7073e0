// Child process for the crash-consistency test: persists two restart bodies in turn, forever, with the
// server's own config file writer, until the parent SIGKILLs it at a random moment. It prints a line
// after each completed write, so the parent can aim at either phase however slow the disk is. It
// imports no Nest code so that hundreds of these processes start fast.
// Usage: node persist-loop.js <config file> <bodyA json> <bodyB json>
import { renderPropertiesUpdate, writePropertiesAtomically } from '../../src/config/properties-writer.js';

const [file, a, b] = process.argv.slice(2);
const bodies = [JSON.parse(a) as Record<string, unknown>, JSON.parse(b) as Record<string, unknown>];

let i = 0;
for (;;) {
  await writePropertiesAtomically(file, renderPropertiesUpdate(file, bodies[i++ % 2]));
  process.stdout.write(`${i}\n`);
}
