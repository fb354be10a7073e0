import { Injectable } from '@nestjs/common';
import { constants, readFileSync } from 'node:fs';
import { access } from 'node:fs/promises';
import { PropertiesEditor } from 'properties-file/editor';
import writeFileAtomic from 'write-file-atomic';
import { toPropertyText } from './config.values.js';

/**
 * The externalized `.properties` file that /pro/restart persists to. Writes are atomic (temp file,
 * fsync, rename) and edit the existing text so other keys and comments survive.
 */
@Injectable()
export class ConfigFileRepository {
  render(path: string, updates: Record<string, unknown>): string {
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

  async persist(path: string, updates: Record<string, unknown>): Promise<void> {
    const text = this.render(path, updates);
    // The rename would replace a read-only file too; an operator who made it read-only meant "keep".
    await access(path, constants.W_OK).catch((e: NodeJS.ErrnoException) => {
      if (e.code !== 'ENOENT') throw e;
    });
    await writeFileAtomic(path, text, { fsync: true, mode: 0o600 });
  }
}
