import type { OutputMode, RecordingLayout } from '../sessions/session.types.js';
import { OUTPUT_MODES, RECORDING_LAYOUTS } from '../sessions/session.types.js';

export type RecordingStatus = 'starting' | 'started' | 'stopped' | 'ready' | 'failed';
const STATUSES: readonly string[] = ['starting', 'started', 'stopped', 'ready', 'failed'];

type Json = Record<string, unknown>;

/** RecordingProperties after OpenVidu's builder filled its defaults. */
export interface RecordingProperties {
  name: string;
  outputMode: OutputMode;
  hasAudio: boolean;
  hasVideo: boolean;
  /** COMPOSED only (`1920x1080` by default). */
  resolution?: string;
  /** COMPOSED only (`BEST_FIT` by default). */
  recordingLayout?: RecordingLayout;
  /** COMPOSED + CUSTOM only. */
  customLayout?: string;
}

/** A recording as OpenVidu's `Recording` entity: what the REST API, the metadata file and CDR show. */
export class Recording {
  size = 0;
  duration = 0;
  /** 2.11 never sets it (reference §0): always `null`. */
  url: string | null = null;

  constructor(
    readonly id: string,
    readonly sessionId: string,
    readonly createdAt: number,
    readonly props: Readonly<RecordingProperties>,
    public status: RecordingStatus = 'started',
  ) {}

  get name(): string {
    return this.props.name;
  }

  get outputMode(): OutputMode {
    return this.props.outputMode;
  }

  get hasAudio(): boolean {
    return this.props.hasAudio;
  }

  get hasVideo(): boolean {
    return this.props.hasVideo;
  }

  /** COMPOSED with video: the only kind with resolution and layout. */
  get isComposedVideo(): boolean {
    return this.outputMode === 'COMPOSED' && this.hasVideo;
  }

  /** The file the recording ends up as (COMPOSED video `.mp4`, audio-only `.webm`, INDIVIDUAL `.zip`). */
  get fileName(): string {
    if (this.outputMode === 'INDIVIDUAL') return `${this.name}.zip`;
    return `${this.name}.${this.hasVideo ? 'mp4' : 'webm'}`;
  }

  /** Recording#toJson (reference §2.9): keys in that order, `url` written as null. */
  toJson(status: RecordingStatus = this.status): Json {
    const json: Json = { id: this.id, name: this.name, outputMode: this.outputMode };
    if (this.isComposedVideo) {
      json.resolution = this.props.resolution;
      json.recordingLayout = this.props.recordingLayout;
      if (this.props.recordingLayout === 'CUSTOM') json.customLayout = this.props.customLayout;
    }
    Object.assign(json, {
      sessionId: this.sessionId,
      createdAt: this.createdAt,
      size: this.size,
      duration: this.duration,
      url: this.url,
      hasAudio: this.hasAudio,
      hasVideo: this.hasVideo,
      status,
    });
    return json;
  }

  /** The fields CDR recording events carry after their `sessionId`/`timestamp`/end fields (CDREventRecording). */
  cdrFields(): Json {
    const json: Json = { id: this.id, name: this.name, outputMode: this.outputMode };
    if (this.isComposedVideo) {
      json.resolution = this.props.resolution;
      json.recordingLayout = this.props.recordingLayout;
      if (this.props.recordingLayout === 'CUSTOM' && this.props.customLayout) {
        json.customLayout = this.props.customLayout;
      }
    }
    Object.assign(json, { hasAudio: this.hasAudio, hasVideo: this.hasVideo, size: this.size, duration: this.duration });
    return json;
  }

  /** Rebuilds one from its metadata file; undefined when the content is not a recording. */
  static fromJson(raw: unknown): Recording | undefined {
    if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return undefined;
    const j = raw as Json;
    const str = (k: string) => (typeof j[k] === 'string' ? j[k] : undefined);
    const num = (k: string) => (typeof j[k] === 'number' && Number.isFinite(j[k]) ? j[k] : undefined);
    const bool = (k: string) => (typeof j[k] === 'boolean' ? j[k] : undefined);
    const id = str('id');
    const sessionId = str('sessionId');
    const name = str('name');
    const outputMode = str('outputMode');
    const createdAt = num('createdAt');
    const status = str('status');
    const hasAudio = bool('hasAudio');
    const hasVideo = bool('hasVideo');
    if (
      id === undefined ||
      sessionId === undefined ||
      name === undefined ||
      createdAt === undefined ||
      hasAudio === undefined ||
      hasVideo === undefined ||
      !(OUTPUT_MODES as readonly string[]).includes(outputMode ?? '') ||
      !STATUSES.includes(status ?? '')
    ) {
      return undefined;
    }
    const props: RecordingProperties = { name, outputMode: outputMode as OutputMode, hasAudio, hasVideo };
    if (outputMode === 'COMPOSED' && hasVideo) {
      const layout = str('recordingLayout');
      props.resolution = str('resolution') ?? '1920x1080';
      props.recordingLayout = (RECORDING_LAYOUTS as readonly string[]).includes(layout ?? '')
        ? (layout as RecordingLayout)
        : 'BEST_FIT';
      if (props.recordingLayout === 'CUSTOM') props.customLayout = str('customLayout') ?? '';
    }
    const rec = new Recording(id, sessionId, createdAt, props, status as RecordingStatus);
    rec.size = num('size') ?? 0;
    rec.duration = num('duration') ?? 0;
    rec.url = str('url') ?? null;
    return rec;
  }
}
