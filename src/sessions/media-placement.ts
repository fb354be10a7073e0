import type { Placement } from '../media-servers/placement.js';

/**
 * The session model's side of the placement contract, whose types the pool owns: a session is placed
 * on one media server when it becomes active (first join) and stays there.
 */
export type { HostedSession, Placement } from '../media-servers/placement.js';

/** Implemented by the pool's MediaServersService; `place()` throws when no media server can take it. */
export interface SessionPlacer {
  place(sessionId: string): Placement;
}

export const SESSION_PLACER = Symbol('SESSION_PLACER');
