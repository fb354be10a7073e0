import { createWriteStream, mkdirSync, type WriteStream } from 'node:fs';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { EmulatorContext } from '../context.js';
import { ErrorCode, KmsError } from '../errors.js';
import { complex, operationParams, reqInt } from '../util.js';
import type { FlowKind } from './flow.js';
import { recomputeFlows } from './flow.js';
import { MediaElement } from './media-element.js';
import { EMULATED_DOT, type MediaPipeline } from './pipeline.js';

type UriState = 'STOP' | 'START' | 'PAUSE';

abstract class UriEndpoint extends MediaElement {
  protected state: UriState = 'STOP';

  constructor(
    ctx: EmulatorContext,
    type: string,
    pipeline: MediaPipeline,
    readonly uri: string,
  ) {
    super(ctx, type, pipeline);
  }

  protected setState(state: UriState): void {
    if (this.state === state) return;
    this.state = state;
    this.emit('UriEndpointStateChanged', { state });
  }

  override invoke(op: string, raw: unknown): unknown {
    switch (op) {
      case 'getUri':
        return this.uri;
      case 'getState':
        return this.state;
      default:
        return super.invoke(op, raw);
    }
  }
}

/** Bytes appended per tick while recording, so the file visibly grows. */
const CHUNK_BYTES = 512;
const CHUNK_EVERY_MS = 200;

export class RecorderEndpoint extends UriEndpoint {
  private stream: WriteStream | undefined;
  private growTimer: NodeJS.Timeout | undefined;
  private seq = 0;
  private startedAt = 0;
  private finishing: Promise<void> | undefined;

  constructor(
    ctx: EmulatorContext,
    pipeline: MediaPipeline,
    uri: string,
    readonly mediaProfile: string,
  ) {
    super(ctx, 'RecorderEndpoint', pipeline, uri);
  }

  override invoke(op: string, raw: unknown): unknown {
    switch (op) {
      case 'record':
        this.record();
        return null;
      case 'pause':
        if (this.state === 'START') {
          this.stopGrowing();
          this.setState('PAUSE');
          this.emit('Paused');
        }
        return null;
      case 'stop':
        void this.finish();
        return null;
      case 'stopAndWait':
        return this.finish().then(() => null);
      default:
        return super.invoke(op, raw);
    }
  }

  private record(): void {
    if (this.state === 'START' || this.finishing) return;
    if (!this.stream && this.uri.startsWith('file://')) this.open();
    this.startedAt ||= Date.now();
    this.setState('START');
    this.emit('Recording');
    this.growTimer ??= this.ctx.timers.set(() => this.grow(), CHUNK_EVERY_MS);
  }

  private open(): void {
    let path: string;
    try {
      path = fileURLToPath(this.uri);
      mkdirSync(dirname(path), { recursive: true });
    } catch (e) {
      this.fail(e);
      return;
    }
    const stream = createWriteStream(path, { flags: 'w' });
    stream.on('error', (e) => this.fail(e));
    stream.write(
      [
        'KURENTO MEDIA SERVER EMULATOR ARTEFACT - NOT A MEDIA FILE',
        'Written by kms-emulator, which negotiates signalling only: no audio or video was recorded.',
        `recorder: ${this.id}`,
        `uri: ${this.uri}`,
        `mediaProfile: ${this.mediaProfile}`,
        `started: ${new Date().toISOString()}`,
        '----',
        '',
      ].join('\n'),
    );
    this.stream = stream;
  }

  private fail(e: unknown): void {
    const description = `Recorder cannot write ${this.uri}: ${e instanceof Error ? e.message : String(e)}`;
    this.ctx.log('warn', description);
    this.stream?.destroy();
    this.stream = undefined;
    this.emit(
      'Error',
      { description, errorCode: ErrorCode.URI_PATH_FILE_NOT_FOUND, type: 'URI_PATH_FILE_NOT_FOUND' },
      false,
    );
  }

  private grow(): void {
    this.growTimer = undefined;
    if (this.state !== 'START') return;
    const line = `emulated-chunk seq=${++this.seq} elapsedMs=${Date.now() - this.startedAt} `;
    this.stream?.write(line.padEnd(CHUNK_BYTES - 1, '.') + '\n');
    this.growTimer = this.ctx.timers.set(() => this.grow(), CHUNK_EVERY_MS);
  }

  private stopGrowing(): void {
    this.ctx.timers.clear(this.growTimer);
    this.growTimer = undefined;
  }

  /** Stops and flushes the file; resolves once it is closed, which is what stopAndWait waits for. */
  private finish(): Promise<void> {
    if (this.finishing) return this.finishing;
    if (this.state === 'STOP' && !this.stream) return Promise.resolve();
    this.stopGrowing();
    const stream = this.stream;
    this.stream = undefined;
    this.finishing = new Promise<void>((resolve) => {
      const done = (): void => {
        this.finishing = undefined;
        if (!this.released) {
          this.setState('STOP');
          this.emit('Stopped');
        }
        resolve();
      };
      if (stream && !stream.destroyed) stream.end('---- stopped ----\n', done);
      else done();
    });
    return this.finishing;
  }

  override onRelease(silent: boolean): void {
    // KMS runs stopAndWait() when a recording recorder is released; the file must end up closed either way.
    this.stopGrowing();
    if (this.stream) {
      if (silent) this.stream.destroy();
      else void this.finish();
    }
    super.onRelease(silent);
  }
}

export class PlayerEndpoint extends UriEndpoint {
  private startedAt = 0;

  constructor(ctx: EmulatorContext, pipeline: MediaPipeline, uri: string) {
    super(ctx, 'PlayerEndpoint', pipeline, uri);
  }

  /** A playing player stands in for a file with one audio and one video track. */
  override producedMedia(): readonly FlowKind[] {
    return this.state === 'START' ? ['AUDIO', 'VIDEO'] : [];
  }

  override invoke(op: string, raw: unknown): unknown {
    switch (op) {
      case 'play':
        this.startedAt ||= Date.now();
        this.change('START');
        return null;
      case 'pause':
        this.change('PAUSE');
        return null;
      case 'stop':
        this.startedAt = 0;
        this.change('STOP');
        return null;
      case 'getVideoInfo':
        return complex('VideoInfo', { isSeekable: false, seekableInit: 0, seekableEnd: 0, duration: 0 });
      case 'getElementGstreamerDot':
        return EMULATED_DOT;
      case 'getPosition':
        return this.startedAt ? Date.now() - this.startedAt : 0;
      case 'setPosition':
        reqInt(operationParams(raw, true), 'position');
        throw new KmsError(ErrorCode.PLAYER_SEEK_FAIL, 'Seek failed');
      default:
        return super.invoke(op, raw);
    }
  }

  private change(state: UriState): void {
    this.setState(state);
    recomputeFlows(this.mediaPipeline);
  }
}
