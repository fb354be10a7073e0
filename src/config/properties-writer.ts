import { constants, readFileSync } from 'node:fs';
import { access } from 'node:fs/promises';
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

/** Atomic replace (temp file, fsync, rename): a crash leaves the old or the new text, never a mix. */
export async function writePropertiesAtomically(path: string, text: string): Promise<void> {
  // The rename would replace a read-only file too; an operator who made it read-only meant "keep".
  const exists = await access(path, constants.W_OK).then(
    () => true,
    (e: NodeJS.ErrnoException) => {
      if (e.code !== 'ENOENT') throw e;
      return false;
    },
  );
  // An existing file keeps the mode its operator gave it; a new one holds the secret, so 0600.
  await writeFileAtomic(path, text, exists ? { fsync: true } : { fsync: true, mode: 0o600 });
}
