import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, rm, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import writeFileAtomic from 'write-file-atomic';
import { Recording } from './recording.js';

/** OpenVidu's metadata file name prefix (RecordingManager.RECORDING_ENTITY_FILE). */
export const ENTITY_FILE_PREFIX = '.recording.';
/** Per-stream metadata of INDIVIDUAL recordings (SingleStreamRecordingService). */
export const STREAM_FILE_PREFIX = '.stream.';
/** A metadata file larger than this is not ours: never read it into memory. */
const MAX_ENTITY_BYTES = 64 * 1024;
/** Metadata files read at once when listing. */
const LIST_CONCURRENCY = 32;

/**
 * Whether `id` can name a folder right under the recording path: one path segment, no traversal,
 * bounded. Ids come from URLs and from session ids, so everything that touches disk checks this.
 */
export function isSafeSegment(id: string): boolean {
  return (
    id.length > 0 &&
    Buffer.byteLength(id) <= 200 &&
    id !== '.' &&
    id !== '..' &&
    !/[/\\]/.test(id) &&
    // Control characters (NUL included) would end up in file names and logs.
    ![...id].some((c) => c.charCodeAt(0) < 0x20 || c.charCodeAt(0) === 0x7f)
  );
}

/**
 * The recordings on disk under `openvidu.recording.path`: one folder per recording id holding the
 * `.recording.<id>` metadata file (the Recording JSON) and the recording's files. Reading the disk
 * rather than memory is what lets list/get survive a restart, as in OpenVidu.
 */
export class RecordingFiles {
  constructor(private readonly root: () => string) {}

  get path(): string {
    return resolve(this.root());
  }

  folder(id: string): string {
    if (!isSafeSegment(id)) throw new Error(`unsafe recording id ${JSON.stringify(id)}`);
    return join(this.path, id);
  }

  file(id: string, name: string): string {
    if (!isSafeSegment(name)) throw new Error(`unsafe file name ${JSON.stringify(name)}`);
    return join(this.folder(id), name);
  }

  entityFile(id: string): string {
    return join(this.folder(id), ENTITY_FILE_PREFIX + id);
  }

  async ensureFolder(id: string): Promise<string> {
    const dir = this.folder(id);
    await mkdir(dir, { recursive: true });
    return dir;
  }

  /** Writes the metadata file atomically (temp file, fsync, rename): a crash leaves the old one. */
  async write(rec: Recording): Promise<void> {
    await this.ensureFolder(rec.id);
    await writeFileAtomic(this.entityFile(rec.id), JSON.stringify(rec.toJson()), { fsync: true });
  }

  async writeJson(id: string, name: string, value: unknown, pretty = false): Promise<void> {
    await writeFileAtomic(this.file(id, name), JSON.stringify(value, null, pretty ? 2 : undefined), { fsync: true });
  }

  async read(id: string): Promise<Recording | undefined> {
    if (!isSafeSegment(id)) return undefined;
    try {
      const file = this.entityFile(id);
      const st = await stat(file);
      if (!st.isFile() || st.size > MAX_ENTITY_BYTES) return undefined;
      const rec = Recording.fromJson(JSON.parse(await readFile(file, 'utf8')));
      return rec?.id === id ? rec : undefined;
    } catch {
      return undefined;
    }
  }

  /** Every recording with a readable metadata file; a missing recording path is an empty list. */
  async list(): Promise<Recording[]> {
    let names: string[];
    try {
      names = (await readdir(this.path, { withFileTypes: true })).filter((d) => d.isDirectory()).map((d) => d.name);
    } catch {
      return [];
    }
    const out: Recording[] = [];
    names.sort();
    // Bounded parallel reads: one folder at a time is slow, all at once could exhaust descriptors.
    for (let i = 0; i < names.length; i += LIST_CONCURRENCY) {
      const batch = await Promise.all(names.slice(i, i + LIST_CONCURRENCY).map((n) => this.read(n)));
      for (const rec of batch) if (rec) out.push(rec);
    }
    return out;
  }

  /** A folder with that name exists (a recording id is taken even if its metadata is gone). */
  taken(id: string): boolean {
    return isSafeSegment(id) && existsSync(this.folder(id));
  }

  async remove(id: string): Promise<void> {
    await rm(this.folder(id), { recursive: true, force: true });
  }

  /** Size of a file, or undefined when it does not exist (yet). */
  async size(path: string): Promise<number | undefined> {
    try {
      const st = await stat(path);
      return st.isFile() ? st.size : undefined;
    } catch {
      return undefined;
    }
  }
}
