import { Injectable } from '@nestjs/common';
import { renderPropertiesUpdate, writePropertiesAtomically } from './properties-writer.js';

/**
 * The externalized `.properties` file that /pro/restart persists to. Writes are atomic (temp file,
 * fsync, rename) and edit the existing text so other keys and comments survive.
 */
@Injectable()
export class ConfigFileRepository {
  render(path: string, updates: Record<string, unknown>): string {
    return renderPropertiesUpdate(path, updates);
  }

  async persist(path: string, updates: Record<string, unknown>): Promise<void> {
    await writePropertiesAtomically(path, this.render(path, updates));
  }
}
