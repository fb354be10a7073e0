import { Inject, Injectable, StreamableFile } from '@nestjs/common';
import { constants } from 'node:fs';
import { open, readdir, type FileHandle } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { NotFoundError } from '../common/errors.js';
import { OpenViduConfigService } from '../config/config.service.js';
import { cdrDirectory } from './cdr-file.writer.js';

/** A bare file name ending in `.log`: no separators, no `..`, no control characters. */
const SAFE_NAME = /^[^/\\]+\.log$/;
const isSafeName = (name: string) => SAFE_NAME.test(name) && !/\p{Cc}/u.test(name) && basename(name) === name;

/** GET /cdr and GET /cdr/<file>.log (docs/openvidu-api.md §2.17): read-only access to the CDR directory. */
@Injectable()
export class CdrFilesService {
  constructor(@Inject(OpenViduConfigService) private readonly config: OpenViduConfigService) {}

  /** The names of the regular files in the CDR directory (`[]` when it does not exist yet). */
  async list(): Promise<string[]> {
    const dir = cdrDirectory(this.config);
    try {
      const entries = await readdir(dir, { withFileTypes: true });
      return entries
        .filter((e) => e.isFile())
        .map((e) => e.name)
        .sort();
    } catch {
      return [];
    }
  }

  /** One file of that directory; anything else (traversal, symlinks, folders) is a 404. */
  async read(name: string): Promise<StreamableFile> {
    if (!isSafeName(name)) throw new NotFoundError(`CDR file ${name} not found`, false);
    const path = join(cdrDirectory(this.config), name);
    // Open first (refusing a symlink), then check what was opened: a check by path before the open
    // could be raced by a file swapped in between.
    let handle: FileHandle | undefined;
    try {
      handle = await open(path, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
      if (!(await handle.stat()).isFile()) throw new Error('not a regular file');
    } catch {
      await handle?.close().catch(() => undefined);
      throw new NotFoundError(`CDR file ${name} not found`, false);
    }
    return new StreamableFile(handle.createReadStream(), { type: 'text/plain; charset=utf-8' });
  }
}
