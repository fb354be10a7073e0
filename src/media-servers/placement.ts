import { MediaServerUnavailableError } from './media-servers.errors.js';

/** A session as the pool sees it; implemented by the sessions code. */
export interface HostedSession {
  readonly sessionId: string;
  /** Publishers + subscribers right now. */
  streamCount(): number;
  /** Session JSON (docs/openvidu-api.md §2.1), shown by `?sessions=true`. */
  toJson(): Record<string, unknown>;
  /** `JSON.stringify(toJson())`, possibly cached; the list routes splice it in as it is. */
  jsonText?(): string;
  /** Used by DELETE `?force=true` and when a media server stays disconnected past `kms.disconnect.grace`. */
  close(reason: 'mediaServerDisconnect'): Promise<void>;
}

/** Where a session lives. Its share of the load is reserved from `place()` on. */
export interface Placement {
  readonly mediaServerId: string;
  /** Hands over the session once it exists; throws `MediaServerUnavailableError` if the placement was released. */
  attach(session: HostedSession): void;
  /** The session closed (idempotent). */
  release(): void;
}

export interface PlacementHost {
  readonly id: string;
  detach(placement: PlacementRecord): void;
}

export class PlacementRecord implements Placement {
  session: HostedSession | undefined;
  private released = false;
  /** Latched once the session reports a stream: from then on its real count is its figure. */
  private streamed = false;

  constructor(
    readonly sessionId: string,
    /** Placement order on its server; compared with the sampler's mark to know what a sample reflects. */
    readonly seq: number,
    private readonly host: PlacementHost,
  ) {}

  get mediaServerId(): string {
    return this.host.id;
  }

  get isReleased(): boolean {
    return this.released;
  }

  attach(session: HostedSession): void {
    if (this.released) {
      throw new MediaServerUnavailableError(
        `Session ${this.sessionId} can no longer be attached to media server ${this.host.id}`,
        this.host.id,
      );
    }
    if (session.sessionId !== this.sessionId) {
      throw new TypeError(`Placement of ${this.sessionId} cannot host session ${session.sessionId}`);
    }
    this.session = session;
  }

  release(): void {
    if (this.released) return;
    this.released = true;
    this.host.detach(this);
  }

  /** Publishers + subscribers; a session that has not streamed yet counts one (its reservation). */
  streams(): number {
    const raw = this.session?.streamCount() ?? 0;
    const n = Number.isFinite(raw) && raw > 0 ? raw : 0;
    if (n > 0) this.streamed = true;
    return this.streamed ? n : 1;
  }
}
