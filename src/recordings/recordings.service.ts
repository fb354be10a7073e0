import { BeforeApplicationShutdown, Inject, Injectable, Logger, OnModuleDestroy } from '@nestjs/common';
import { OnAppEvent } from '../common/app-events.js';
import { CdrService } from '../cdr/cdr.service.js';
import { OpenViduConfigService } from '../config/config.service.js';
import {
  MEDIA_SERVER_DISCONNECTED,
  MEDIA_SERVER_RESTARTED,
  type MediaServerEvent,
} from '../media-servers/media-server.events.js';
import type { Participant } from '../sessions/participant.js';
import type { Session } from '../sessions/session.js';
import { SessionEvents as EV } from '../sessions/session-events.js';
import type * as P from '../sessions/session-events.js';
import { finalReason, type EndReason, type Role } from '../sessions/session.types.js';
import { SessionsService } from '../sessions/sessions.service.js';
import { SignallingRegistry } from '../signalling/signalling.registry.js';
import { RecordingFiles } from './recording-files.js';
import { ComposedJob, IndividualJob, type JobContext, type RecordingJob, type StreamSource } from './recording-jobs.js';
import { Recording, type RecordingProperties } from './recording.js';

type Json = Record<string, unknown>;

/** A recording in progress. `starting` until its media is wired; removed from the maps once stopping. */
interface Active {
  rec: Recording;
  job: RecordingJob;
  state: 'starting' | 'started';
}

export class RecordingStartError extends Error {}

const NOTIFIED_ROLES: Record<string, readonly Role[]> = {
  all: ['SUBSCRIBER', 'PUBLISHER', 'MODERATOR'],
  publisher_moderator: ['PUBLISHER', 'MODERATOR'],
  moderator: ['MODERATOR'],
  none: [],
};

/**
 * Recordings of sessions (OpenVidu's RecordingManager): starting and stopping them, following the
 * session's streams while they run, ALWAYS mode, the autostop countdown, client notifications,
 * CDR/webhook events and the metadata files. The REST layer (RecordingsApiService) sits on top.
 */
@Injectable()
export class RecordingsService implements OnModuleDestroy, BeforeApplicationShutdown {
  private readonly logger = new Logger('Recordings');
  readonly files: RecordingFiles;
  /** By sessionId: a session has at most one recording in progress. */
  private readonly active = new Map<string, Active>();
  private readonly byId = new Map<string, Active>();
  /** Recordings whose stop is still finishing (files, zip, metadata): their ids are not free yet. */
  private readonly finishing = new Map<string, Promise<Recording>>();
  private readonly autostop = new Map<string, NodeJS.Timeout>();
  /** Sessions whose recording was stopped through REST: ALWAYS mode does not restart it. */
  private readonly manuallyStopped = new Set<string>();
  private readonly disconnectedAt = new Map<string, number>();

  constructor(
    @Inject(OpenViduConfigService) private readonly config: OpenViduConfigService,
    @Inject(SessionsService) private readonly sessions: SessionsService,
    @Inject(SignallingRegistry) private readonly reg: SignallingRegistry,
    @Inject(CdrService) private readonly cdr: CdrService,
  ) {
    this.files = new RecordingFiles(() => this.config.get('openvidu.recording.path'));
  }

  get enabled(): boolean {
    return this.config.get('openvidu.recording');
  }

  isBeingRecorded(sessionId: string): boolean {
    return this.active.has(sessionId);
  }

  /** The recording in progress with that id (`starting` or `started`). */
  inProgress(id: string): Active | undefined {
    return this.byId.get(id);
  }

  isFinishing(id: string): boolean {
    return this.finishing.has(id);
  }

  /** In-progress recordings as their JSON (status `starting` while the media is being wired). */
  activeJson(): Map<string, Json> {
    const out = new Map<string, Json>();
    for (const a of this.byId.values()) {
      out.set(a.rec.id, a.rec.toJson(a.state === 'starting' ? 'starting' : 'started'));
    }
    return out;
  }

  /**
   * Starts a recording of an active session. Registers it synchronously (so a second start sees
   * the session as being recorded), then wires the media; rejects with RecordingStartError.
   */
  async start(session: Session, props: RecordingProperties): Promise<Recording> {
    const sessionId = session.sessionId;
    if (this.active.has(sessionId)) throw new RecordingStartError(`Session ${sessionId} is already being recorded`);
    const id = this.freeId(sessionId.slice(sessionId.lastIndexOf('/') + 1));
    const rec = new Recording(id, sessionId, Date.now(), { ...props, name: props.name || id });
    const ctx: JobContext = {
      files: this.files,
      fileWaitMs: this.config.get('openvidu.recording.file-wait-timeout'),
      logger: this.logger,
      pipeline: () => {
        const media = this.reg.mediaOf(sessionId);
        if (!media) return Promise.reject(new Error(`session ${sessionId} has no media pipeline`));
        return media.ensurePipeline();
      },
    };
    const job = rec.outputMode === 'INDIVIDUAL' ? new IndividualJob(rec, ctx) : new ComposedJob(rec, ctx);
    const entry: Active = { rec, job, state: 'starting' };
    this.active.set(sessionId, entry);
    this.byId.set(id, entry);
    this.logger.log(`Starting ${rec.outputMode} recording ${id} of session ${sessionId}`);
    try {
      await job.start(this.sources(session));
      await this.files.write(rec);
    } catch (e) {
      this.active.delete(sessionId);
      this.byId.delete(id);
      await job.stop(Date.now()).catch(() => undefined);
      await this.files.remove(id).catch(() => undefined);
      throw new RecordingStartError(e instanceof Error ? e.message : String(e));
    }
    if (this.byId.get(id) !== entry) {
      // The session closed (or its media server went away) while the media was wired.
      return rec;
    }
    entry.state = 'started';
    this.setSessionFlag(sessionId, true);
    this.cdr.record('recordingStarted', { sessionId, timestamp: rec.createdAt, ...rec.cdrFields() });
    this.statusChanged(rec, rec.createdAt, null, 'started');
    this.notify(sessionId, 'recordingStarted', { id: rec.id, name: rec.name });
    if (!this.hasPublishers(sessionId)) this.startAutostop(sessionId);
    return rec;
  }

  /**
   * Stops a recording in progress and finishes it: `stopped` at once (webhook, metadata), then
   * `ready` or `failed` once the files are on disk. Each status is announced once per recording.
   * `lostAt`: the media server lost the recording's objects at that time.
   */
  stop(id: string, reason: EndReason, lostAt?: number): Promise<Recording> {
    const running = this.finishing.get(id);
    if (running) return running;
    const entry = this.byId.get(id);
    if (!entry) return Promise.reject(new Error(`Recording ${id} is not in progress`));
    const { rec, job } = entry;
    const sessionId = rec.sessionId;
    this.byId.delete(id);
    if (this.active.get(sessionId) === entry) this.active.delete(sessionId);
    this.cancelAutostop(sessionId);
    this.setSessionFlag(sessionId, false);
    const wasStarted = entry.state === 'started';
    const cdrReason = finalReason(reason);
    const timestamp = Date.now();
    this.logger.log(`Stopping recording ${id} of session ${sessionId} (${cdrReason})`);
    const finish = (async () => {
      rec.status = 'stopped';
      if (wasStarted) {
        this.statusChanged(rec, timestamp, cdrReason, 'stopped');
        this.cdr.record('recordingStopped', { ...this.endFields(rec, timestamp, cdrReason), ...rec.cdrFields() });
      }
      await this.files.write(rec).catch((e: unknown) => this.logger.warn(`metadata of ${id}: ${String(e)}`));
      let ok = false;
      try {
        const result = await job.stop(lostAt);
        rec.size = result.size;
        rec.duration = result.duration;
        ok = result.ok;
      } catch (e) {
        this.logger.error(`Recording ${id} could not be finished: ${e instanceof Error ? e.message : String(e)}`);
      }
      rec.status = ok ? 'ready' : 'failed';
      await this.files.write(rec).catch((e: unknown) => this.logger.warn(`metadata of ${id}: ${String(e)}`));
      if (wasStarted) this.statusChanged(rec, Date.now(), cdrReason, rec.status);
      this.notify(sessionId, 'recordingStopped', { id: rec.id, name: rec.name, reason: cdrReason });
      this.logger.log(`Recording ${id} is ${rec.status} (${rec.size} bytes, ${rec.duration} s)`);
      // The session stayed open for the recording; with nobody left it ends with the recording.
      const session = this.sessions.get(sessionId);
      if (session?.isActive && session.participants.size === 0 && !this.active.has(sessionId)) {
        this.sessions.closeSession(sessionId, reason);
      }
      return rec;
    })().finally(() => this.finishing.delete(id));
    this.finishing.set(id, finish);
    return finish;
  }

  /** REST stop: OpenVidu also remembers that ALWAYS mode must not start the session's recording again. */
  async stopByServer(id: string): Promise<Recording> {
    const entry = this.byId.get(id);
    if (entry) this.manuallyStopped.add(entry.rec.sessionId);
    return this.stop(id, 'recordingStoppedByServer');
  }

  // ---- session model events ----

  @OnAppEvent(EV.StreamPublished)
  onPublished(e: P.StreamPublishedEvent): void {
    // Signalling registers the publisher's endpoint right after the model emits this event.
    queueMicrotask(() => this.published(e.sessionId, e.connectionId));
  }

  private published(sessionId: string, connectionId: string): void {
    const session = this.sessions.get(sessionId);
    const p = session?.participants.get(connectionId);
    if (!session?.isActive || !p?.publisher) return;
    const entry = this.active.get(sessionId);
    if (entry) {
      this.cancelAutostop(sessionId);
      const source = this.sourceOf(sessionId, p);
      if (!source) return;
      entry.job.addStream(source).catch((err: unknown) => {
        this.logger.warn(`recording ${entry.rec.id}: stream ${source.streamId} not recorded: ${String(err)}`);
      });
      return;
    }
    const props = session.properties;
    const publishers = [...session.participants.values()].filter((x) => x.publisher !== null).length;
    if (
      // RecordingMode.ALWAYS starts with the session's first publisher only (KurentoSessionManager#publishVideo).
      publishers === 1 &&
      this.enabled &&
      props.mediaMode === 'ROUTED' &&
      props.recordingMode === 'ALWAYS' &&
      !this.manuallyStopped.has(sessionId)
    ) {
      // RecordingMode.ALWAYS: the first publisher starts it, with the session's defaults and no name.
      const composed = props.defaultOutputMode === 'COMPOSED';
      const rec: RecordingProperties = {
        name: '',
        outputMode: props.defaultOutputMode,
        hasAudio: true,
        hasVideo: true,
        ...(composed ? { resolution: '1920x1080', recordingLayout: props.defaultRecordingLayout } : {}),
        ...(composed && props.defaultRecordingLayout === 'CUSTOM' ? { customLayout: props.defaultCustomLayout } : {}),
      };
      this.start(session, rec).catch((err: unknown) => {
        this.logger.error(`ALWAYS recording of session ${sessionId} failed to start: ${String(err)}`);
      });
    }
  }

  @OnAppEvent(EV.StreamUnpublished)
  onUnpublished(e: P.StreamUnpublishedEvent): void {
    const entry = this.active.get(e.sessionId);
    if (!entry) return;
    const session = this.sessions.get(e.sessionId);
    // A closing session or a lost media server stops the whole recording (Closed / restarted).
    if (e.reason !== 'mediaServerDisconnect' && session?.state === 'active') {
      entry.job.removeStream(e.streamId).catch((err: unknown) => {
        this.logger.warn(`recording ${entry.rec.id}: stopping stream ${e.streamId}: ${String(err)}`);
      });
    }
    if (session?.state === 'active' && !this.hasPublishers(e.sessionId)) this.startAutostop(e.sessionId);
  }

  @OnAppEvent(EV.ParticipantLeft)
  onLeft(e: P.ParticipantLeftEvent): void {
    if (this.active.has(e.sessionId) && !this.hasPublishers(e.sessionId)) this.startAutostop(e.sessionId);
  }

  @OnAppEvent(EV.Closed)
  onClosed(e: P.SessionClosedEvent): void {
    this.cancelAutostop(e.sessionId);
    this.manuallyStopped.delete(e.sessionId);
    const entry = this.active.get(e.sessionId);
    if (!entry) return;
    const lostAt = e.reason === 'mediaServerDisconnect' ? e.timestamp : undefined;
    this.stop(entry.rec.id, e.reason, lostAt).catch((err: unknown) => this.logger.error(String(err)));
  }

  @OnAppEvent(MEDIA_SERVER_DISCONNECTED)
  onDisconnected(e: MediaServerEvent): void {
    this.disconnectedAt.set(e.id, e.at);
    if (this.disconnectedAt.size > 1000) this.disconnectedAt.delete(this.disconnectedAt.keys().next().value!);
  }

  /** A restarted media server lost the recorders: stop with what reached the disk (KMS disconnection time). */
  @OnAppEvent(MEDIA_SERVER_RESTARTED)
  onRestarted(e: MediaServerEvent): void {
    const lostAt = this.disconnectedAt.get(e.id) ?? e.at;
    this.disconnectedAt.delete(e.id);
    for (const entry of [...this.active.values()]) {
      if (this.sessions.get(entry.rec.sessionId)?.mediaServerId !== e.id) continue;
      this.stop(entry.rec.id, 'mediaServerDisconnect', lostAt).catch((err: unknown) => this.logger.error(String(err)));
    }
  }

  onModuleDestroy(): void {
    for (const t of this.autostop.values()) clearTimeout(t);
    this.autostop.clear();
  }

  /** Shutdown closed every session (openviduServerStopped): let their recordings finish, bounded by each step's timeout. */
  async beforeApplicationShutdown(): Promise<void> {
    while (this.finishing.size) await Promise.allSettled([...this.finishing.values()]);
  }

  // ---- helpers ----

  /** `S`, then `S-1`, `S-2`…: an id is free when no folder and no recording in progress uses it. */
  private freeId(base: string): string {
    let id = base;
    for (let i = 1; this.byId.has(id) || this.finishing.has(id) || this.files.taken(id); i++) id = `${base}-${i}`;
    return id;
  }

  private sources(session: Session): StreamSource[] {
    const out: StreamSource[] = [];
    for (const p of session.participants.values()) {
      const s = p.publisher ? this.sourceOf(session.sessionId, p) : undefined;
      if (s) out.push(s);
    }
    return out;
  }

  private sourceOf(sessionId: string, p: Participant): StreamSource | undefined {
    const media = this.reg.mediaOf(sessionId);
    const source = media?.filters.get(p.connectionId)?.filter ?? media?.publishers.get(p.connectionId);
    const stream = p.publisher;
    if (!source || !stream) return undefined;
    const m = stream.mediaOptions;
    return {
      connectionId: p.connectionId,
      streamId: stream.streamId,
      clientData: p.clientData,
      serverData: p.serverData,
      hasAudio: m.hasAudio,
      hasVideo: m.hasVideo,
      typeOfVideo: m.typeOfVideo,
      source,
    };
  }

  private hasPublishers(sessionId: string): boolean {
    const session = this.sessions.get(sessionId);
    return !!session && [...session.participants.values()].some((p) => p.publisher !== null);
  }

  /** Countdown of `openvidu.recording.autostop-timeout` seconds; a publisher cancels it. */
  private startAutostop(sessionId: string): void {
    if (this.autostop.has(sessionId) || !this.active.has(sessionId)) return;
    const seconds = this.config.get('openvidu.recording.autostop-timeout');
    this.logger.log(`No publisher in session ${sessionId}: recording stops in ${seconds} s unless one publishes`);
    const timer = setTimeout(() => this.autostopFired(sessionId), seconds * 1000);
    timer.unref();
    this.autostop.set(sessionId, timer);
  }

  private cancelAutostop(sessionId: string): void {
    const t = this.autostop.get(sessionId);
    if (t) clearTimeout(t);
    this.autostop.delete(sessionId);
  }

  private autostopFired(sessionId: string): void {
    this.autostop.delete(sessionId);
    const entry = this.active.get(sessionId);
    if (!entry) return;
    const session = this.sessions.get(sessionId);
    if (session?.isActive && session.participants.size === 0) {
      // Closing the empty session stops its recording with the same reason.
      this.sessions.closeSession(sessionId, 'automaticStop');
      return;
    }
    this.stop(entry.rec.id, 'automaticStop').catch((err: unknown) => this.logger.error(String(err)));
  }

  private setSessionFlag(sessionId: string, on: boolean): void {
    if (this.sessions.get(sessionId)) this.sessions.setRecording(sessionId, on);
  }

  /** recordingStarted / recordingStopped to the roles `openvidu.recording.notification` names. */
  private notify(sessionId: string, method: string, params: Json): void {
    const session = this.sessions.get(sessionId);
    if (!session) return;
    const roles =
      NOTIFIED_ROLES[this.config.get('openvidu.recording.notification')] ?? NOTIFIED_ROLES.publisher_moderator;
    for (const p of session.visibleParticipants()) {
      if (roles.includes(p.role)) this.reg.notify(p.connectionId, method, params);
    }
  }

  /** CDREventEnd's fields: `startTime` is the recording's creation, `duration` whole seconds until `timestamp`. */
  private endFields(rec: Recording, timestamp: number, reason: string | null): Json {
    const json: Json = {
      sessionId: rec.sessionId,
      timestamp,
      startTime: rec.createdAt,
      duration: Math.trunc((timestamp - rec.createdAt) / 1000),
    };
    if (reason) json.reason = reason;
    return json;
  }

  /** CDREventRecordingStatus: the end fields, the recording's (its `duration` replaces the whole seconds), `status`. */
  private statusChanged(rec: Recording, timestamp: number, reason: string | null, status: string): void {
    this.cdr.record('recordingStatusChanged', {
      ...this.endFields(rec, timestamp, reason),
      ...rec.cdrFields(),
      status,
    });
  }
}
