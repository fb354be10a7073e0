/**
 * The contract between the session model and the media-server pool. A session is placed on one
 * media server when it becomes active (first join) and stays there; the pool reads the hosted
 * sessions for its `sessions=true` view and its `streams`/`sessions` load figures.
 */
export interface HostedSession {
  readonly sessionId: string;
  streamCount(): number;
  /** The §2.1 Session JSON. */
  toJson(): Record<string, unknown>;
  close(reason: 'mediaServerDisconnect'): Promise<void>;
}

export interface Placement {
  readonly mediaServerId: string;
  attach(session: HostedSession): void;
  release(): void;
}

/** Implemented by the pool's MediaServersService; `place()` throws when no media server can take it. */
export interface SessionPlacer {
  place(sessionId: string): Placement;
}

export const SESSION_PLACER = Symbol('SESSION_PLACER');
