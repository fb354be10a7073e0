import type { Logger } from '@nestjs/common';
import { createWriteStream } from 'node:fs';
import { readdir, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { pipeline as streamPipeline } from 'node:stream/promises';
import { pathToFileURL } from 'node:url';
import yazl from 'yazl';
import type { Element, Hub, MediaKind, MediaProfile, Pipeline, Recorder } from '../media-servers/media-api.js';
import { ENTITY_FILE_PREFIX, STREAM_FILE_PREFIX, type RecordingFiles } from './recording-files.js';
import type { Recording } from './recording.js';

/** A published stream as a recording sees it: who published it and the element its media leaves from. */
export interface StreamSource {
  connectionId: string;
  streamId: string;
  clientData: string;
  serverData: string;
  hasAudio: boolean;
  hasVideo: boolean;
  typeOfVideo: string;
  /** The publisher's filter while it has one, else its WebRtcEndpoint (what subscribers receive). */
  source: Element;
}

export interface JobContext {
  files: RecordingFiles;
  pipeline: () => Promise<Pipeline>;
  /** How long stop waits for a file the media server writes to show up on our disk. */
  fileWaitMs: number;
  logger: Logger;
}

/** What stop found on disk. `ok` false: a file never appeared (or nothing could be recorded). */
export interface JobResult {
  size: number;
  duration: number;
  ok: boolean;
}

/** The media side of one recording. */
export interface RecordingJob {
  start(streams: StreamSource[]): Promise<void>;
  addStream(stream: StreamSource): Promise<void>;
  removeStream(streamId: string): Promise<void>;
  /** `lostAt`: the media server lost every object at that time; nothing is asked of it any more. */
  stop(lostAt?: number): Promise<JobResult>;
}

function eventTime(data: Record<string, unknown>): number {
  const t = Number(data.timestampMillis);
  return Number.isFinite(t) && t > 0 ? t : Date.now();
}

function describe(d: Record<string, unknown>): string {
  return typeof d.description === 'string' ? d.description : 'error';
}

function errMsg(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/** Polls until `path` exists with content, up to `ms`; its size, or undefined if it never appeared. */
export async function waitForFile(files: RecordingFiles, path: string, ms: number): Promise<number | undefined> {
  const deadline = Date.now() + ms;
  for (;;) {
    const size = await files.size(path);
    if (size !== undefined && size > 0) return size;
    if (Date.now() >= deadline) return undefined;
    await new Promise((r) => setTimeout(r, Math.min(50, Math.max(1, deadline - Date.now()))));
  }
}

function quietly(logger: Logger, what: string, op: () => Promise<unknown>): Promise<void> {
  return op().then(
    () => undefined,
    (e: unknown) => logger.debug(`${what}: ${errMsg(e)}`),
  );
}

/** The media kinds both the stream and the recording carry. */
function kindsOf(stream: { hasAudio: boolean; hasVideo: boolean }, rec: Recording): MediaKind[] {
  const kinds: MediaKind[] = [];
  if (stream.hasAudio && rec.hasAudio) kinds.push('AUDIO');
  if (stream.hasVideo && rec.hasVideo) kinds.push('VIDEO');
  return kinds;
}

async function connectKinds(source: Element, sink: Element, kinds: MediaKind[]): Promise<void> {
  for (const k of kinds) await source.connect(sink, k);
}

interface StreamRecorder {
  stream: StreamSource;
  recorder: Recorder | undefined;
  file: string;
  startTime: number;
  endTime: number;
  size: number;
  stopped?: Promise<void>;
}

/**
 * INDIVIDUAL: one RecorderEndpoint per stream writing `<streamId>.webm`, per-stream metadata
 * `.stream.<streamId>`, and on stop a `<name>.json` sync file and `<name>.zip` of it all
 * (SingleStreamRecordingService).
 */
export class IndividualJob implements RecordingJob {
  private readonly active = new Map<string, StreamRecorder>();
  private readonly stored = new Map<string, StreamRecorder>();
  private stopping = false;

  constructor(
    private readonly rec: Recording,
    private readonly ctx: JobContext,
  ) {}

  async start(streams: StreamSource[]): Promise<void> {
    await this.ctx.files.ensureFolder(this.rec.id);
    await Promise.all(streams.map((s) => this.addStream(s)));
  }

  async addStream(stream: StreamSource): Promise<void> {
    if (this.stopping || this.stored.has(stream.streamId)) return;
    const kinds = kindsOf(stream, this.rec);
    // generateMediaProfile: a stream without the media the recording wants is skipped.
    if (kinds.length === 0) {
      this.ctx.logger.warn(`stream ${stream.streamId} has none of the media recording ${this.rec.id} wants`);
      return;
    }
    const profile: MediaProfile =
      kinds.length === 2 ? 'WEBM' : kinds[0] === 'AUDIO' ? 'WEBM_AUDIO_ONLY' : 'WEBM_VIDEO_ONLY';
    const file = this.ctx.files.file(this.rec.id, `${stream.streamId}.webm`);
    const entry: StreamRecorder = { stream, recorder: undefined, file, startTime: 0, endTime: 0, size: 0 };
    this.active.set(stream.streamId, entry);
    this.stored.set(stream.streamId, entry);
    try {
      const pipeline = await this.ctx.pipeline();
      const recorder = await pipeline.createRecorder(pathToFileURL(file).href, profile);
      entry.recorder = recorder;
      await recorder.on('Recording', (d) => (entry.startTime = eventTime(d)));
      await recorder.on('Stopped', (d) => (entry.endTime ||= eventTime(d)));
      await recorder.on('Error', (d) => this.ctx.logger.warn(`recorder of ${stream.streamId}: ${describe(d)}`));
      await connectKinds(stream.source, recorder, kinds);
      await recorder.record();
      entry.startTime ||= Date.now();
    } catch (e) {
      this.active.delete(stream.streamId);
      this.stored.delete(stream.streamId);
      const r = entry.recorder;
      if (r) void quietly(this.ctx.logger, `releasing recorder of ${stream.streamId}`, () => r.release());
      throw e;
    }
  }

  async removeStream(streamId: string): Promise<void> {
    const entry = this.active.get(streamId);
    if (!entry) return;
    this.active.delete(streamId);
    await this.stopEntry(entry);
  }

  private stopEntry(entry: StreamRecorder, lostAt?: number): Promise<void> {
    entry.stopped ??= (async () => {
      const r = entry.recorder;
      if (lostAt !== undefined) {
        entry.endTime = lostAt;
      } else if (r) {
        await quietly(this.ctx.logger, `stopping recorder of ${entry.stream.streamId}`, () => r.stopAndWait());
        entry.endTime ||= Date.now();
        await quietly(this.ctx.logger, `releasing recorder of ${entry.stream.streamId}`, () => r.release());
      }
      entry.endTime ||= Date.now();
      entry.size = (await this.ctx.files.size(entry.file)) ?? 0;
      await this.writeStreamFile(entry).catch((e: unknown) =>
        this.ctx.logger.warn(`metadata of ${entry.stream.streamId}: ${errMsg(e)}`),
      );
    })();
    return entry.stopped;
  }

  /** RecorderEndpointWrapper#toJson. */
  private writeStreamFile(entry: StreamRecorder): Promise<void> {
    const s = entry.stream;
    const json: Record<string, unknown> = {
      connectionId: s.connectionId,
      streamId: s.streamId,
      clientData: s.clientData,
      serverData: s.serverData,
      startTime: entry.startTime,
      endTime: entry.endTime,
      duration: entry.endTime - entry.startTime,
      size: entry.size,
      hasAudio: s.hasAudio,
      hasVideo: s.hasVideo,
    };
    if (s.hasVideo) json.typeOfVideo = s.typeOfVideo;
    return this.ctx.files.writeJson(this.rec.id, STREAM_FILE_PREFIX + s.streamId, json);
  }

  async stop(lostAt?: number): Promise<JobResult> {
    this.stopping = true;
    const entries = [...this.active.values()];
    this.active.clear();
    await Promise.all(entries.map((e) => this.stopEntry(e, lostAt)));
    // Files are written by the media server: they reach our disk through the shared volume.
    const all = [...this.stored.values()];
    await Promise.all(all.map((e) => e.stopped ?? Promise.resolve()));
    let ok = true;
    await Promise.all(
      all.map(async (e) => {
        const size = await waitForFile(this.ctx.files, e.file, this.ctx.fileWaitMs);
        if (size === undefined) {
          ok = false;
          this.ctx.logger.error(`recording ${this.rec.id}: file of stream ${e.stream.streamId} never appeared`);
          return;
        }
        if (size !== e.size) {
          e.size = size;
          await this.writeStreamFile(e);
        }
      }),
    );
    const files = all.filter((e) => e.size > 0);
    const minStart = Math.min(...files.map((e) => e.startTime));
    const maxEnd = Math.max(0, ...files.map((e) => e.endTime));
    const size = files.reduce((n, e) => n + e.size, 0);
    const duration = files.length ? Math.max(0, (maxEnd - minStart) / 1000) : 0;
    await this.seal(all);
    return { size, duration, ok };
  }

  /** `<name>.json` (sync metadata) and `<name>.zip` of it and the streams' files; only the entity file stays. */
  private async seal(all: StreamRecorder[]): Promise<void> {
    const rec = this.rec;
    const sync = {
      createdAt: rec.createdAt,
      id: rec.id,
      name: rec.name,
      sessionId: rec.sessionId,
      files: all
        .filter((e) => e.size > 0)
        .map((e) => {
          const s = e.stream;
          const f: Record<string, unknown> = {
            connectionId: s.connectionId,
            streamId: s.streamId,
            size: e.size,
            clientData: s.clientData,
            serverData: s.serverData,
            hasAudio: s.hasAudio && rec.hasAudio,
            hasVideo: s.hasVideo && rec.hasVideo,
          };
          if (s.hasVideo) f.typeOfVideo = s.typeOfVideo;
          f.startTimeOffset = e.startTime - rec.createdAt;
          f.endTimeOffset = e.endTime - rec.createdAt;
          return f;
        }),
    };
    const folder = this.ctx.files.folder(rec.id);
    await this.ctx.files.writeJson(rec.id, `${rec.name}.json`, sync, true);
    const zipName = `${rec.name}.zip`;
    const names = (await readdir(folder)).filter((n) => n !== zipName);
    const zip = new yazl.ZipFile();
    for (const n of names.sort()) {
      if (!(n.endsWith('.json') || n.endsWith('.webm')) || n.startsWith('.')) continue;
      const st = await stat(join(folder, n)).catch(() => undefined);
      if (st?.isFile()) zip.addFile(join(folder, n), n);
    }
    zip.end();
    await streamPipeline(zip.outputStream, createWriteStream(join(folder, zipName)));
    for (const n of names) {
      if (n.startsWith(ENTITY_FILE_PREFIX)) continue;
      await rm(join(folder, n), { force: true, recursive: true });
    }
  }
}

/**
 * COMPOSED without a browser: a Kurento Composite on the session's pipeline, one HubPort per
 * stream, and one more HubPort whose mixed output feeds a single RecorderEndpoint.
 */
export class ComposedJob implements RecordingJob {
  private hub: Hub | undefined;
  private recorder: Recorder | undefined;
  private readonly ports = new Map<string, Element>();
  private startTime = 0;
  private endTime = 0;
  private stopping = false;
  private readonly file: string;

  constructor(
    private readonly rec: Recording,
    private readonly ctx: JobContext,
  ) {
    this.file = ctx.files.file(rec.id, rec.fileName);
  }

  private get kinds(): MediaKind[] {
    return kindsOf({ hasAudio: true, hasVideo: true }, this.rec);
  }

  private get profile(): MediaProfile {
    if (!this.rec.hasVideo) return 'WEBM_AUDIO_ONLY';
    return this.rec.hasAudio ? 'MP4' : 'MP4_VIDEO_ONLY';
  }

  async start(streams: StreamSource[]): Promise<void> {
    await this.ctx.files.ensureFolder(this.rec.id);
    const pipeline = await this.ctx.pipeline();
    try {
      this.hub = await pipeline.createComposite();
      const out = await this.hub.createPort();
      const recorder = await pipeline.createRecorder(pathToFileURL(this.file).href, this.profile);
      this.recorder = recorder;
      await recorder.on('Recording', (d) => (this.startTime = eventTime(d)));
      await recorder.on('Stopped', (d) => (this.endTime ||= eventTime(d)));
      await recorder.on('Error', (d) => this.ctx.logger.warn(`composed recorder of ${this.rec.id}: ${describe(d)}`));
      await connectKinds(out, recorder, this.kinds);
      await Promise.all(streams.map((s) => this.addStream(s)));
      await recorder.record();
      this.startTime ||= Date.now();
    } catch (e) {
      await this.releaseAll();
      throw e;
    }
  }

  async addStream(stream: StreamSource): Promise<void> {
    const hub = this.hub;
    if (!hub || this.stopping || this.ports.has(stream.streamId)) return;
    const kinds = kindsOf(stream, this.rec);
    if (kinds.length === 0) return;
    const port = await hub.createPort();
    this.ports.set(stream.streamId, port);
    try {
      await connectKinds(stream.source, port, kinds);
    } catch (e) {
      this.ports.delete(stream.streamId);
      void quietly(this.ctx.logger, 'releasing hub port', () => port.release());
      throw e;
    }
  }

  async removeStream(streamId: string): Promise<void> {
    const port = this.ports.get(streamId);
    this.ports.delete(streamId);
    if (port) await quietly(this.ctx.logger, `releasing hub port of ${streamId}`, () => port.release());
  }

  async stop(lostAt?: number): Promise<JobResult> {
    this.stopping = true;
    const r = this.recorder;
    if (lostAt !== undefined) {
      this.endTime = lostAt;
    } else if (r) {
      await quietly(this.ctx.logger, `stopping composed recorder of ${this.rec.id}`, () => r.stopAndWait());
      this.endTime ||= Date.now();
      await this.releaseAll();
    }
    this.endTime ||= Date.now();
    const size = await waitForFile(this.ctx.files, this.file, this.ctx.fileWaitMs);
    if (size === undefined) this.ctx.logger.error(`recording ${this.rec.id}: ${this.rec.fileName} never appeared`);
    const start = this.startTime || this.rec.createdAt;
    return { size: size ?? 0, duration: size ? Math.max(0, (this.endTime - start) / 1000) : 0, ok: size !== undefined };
  }

  private async releaseAll(): Promise<void> {
    const hub = this.hub;
    const r = this.recorder;
    this.ports.clear();
    // Releasing the hub releases its ports on the server.
    if (hub) await quietly(this.ctx.logger, 'releasing composite', () => hub.release());
    if (r) await quietly(this.ctx.logger, 'releasing composed recorder', () => r.release());
  }
}
