import { constants, readFileSync } from 'node:fs';
import { access, stat } from 'node:fs/promises';
import { dirname } from 'node:path';
import { PropertiesEditor } from 'properties-file/editor';
import writeFileAtomic from 'write-file-atomic';
import { toPropertyText } from './config.values.js';

/**
 * Writing the externalized `.properties` file, free of Nest so a bare process can run it (the
 * crash-consistency test SIGKILLs such processes by the hundred).
 */

/** The file's current text with `updates` upserted in place: other keys, comments and order are kept. */
export function renderPropertiesUpdate(path: string, updates: Record<string, unknown>): string {
  let text = '';
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
  }
  const editor = new PropertiesEditor(text);
  for (const [key, value] of Object.entries(updates)) editor.upsert(key, toPropertyText(value));
  const out = editor.format();
  return out.endsWith('\n') ? out : `${out}\n`;
}

/**
 * Permission bits are honoured even for root (who could write anyway): an operator who made the file
 * or its folder read-only meant "keep it as it is".
 */
async function checkWritable(path: string): Promise<boolean> {
  const denied = (): never => {
    throw Object.assign(new Error(`EACCES: ${path} is read-only`), { code: 'EACCES' });
  };
  const dir = await stat(dirname(path));
  if ((dir.mode & 0o222) === 0) denied();
  await access(dirname(path), constants.W_OK);
  try {
    const file = await stat(path);
    if ((file.mode & 0o222) === 0) denied();
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw e;
  }
  await access(path, constants.W_OK);
  return true;
}

/** Atomic replace (temp file, fsync, rename): a crash leaves the old or the new text, never a mix. */
export async function writePropertiesAtomically(path: string, text: string): Promise<void> {
  const exists = await checkWritable(path);
  // An existing file keeps the mode its operator gave it; a new one holds the secret, so 0600.
  await writeFileAtomic(path, text, exists ? { fsync: true } : { fsync: true, mode: 0o600 });
}
