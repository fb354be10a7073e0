// The media-server side of the harness: the pool's lifecycle events as a test sees them, and a
// stand-in for the sessions code so a spec can place sessions on chosen servers.
import assert from 'node:assert/strict';
import type { INestApplication } from '@nestjs/common';
import { EventEmitter2 } from '@nestjs/event-emitter';
import {
  MEDIA_SERVER_CONNECTED,
  MEDIA_SERVER_DISCONNECTED,
  MEDIA_SERVER_RESTARTED,
  type MediaServerEvent,
} from '../../src/media-servers/media-server.events.js';
import type { MediaServersService } from '../../src/media-servers/media-servers.service.js';
import type { HostedSession, Placement } from '../../src/media-servers/placement.js';

export interface RecordedEvent extends MediaServerEvent {
  name: string;
}

/** Every connected/disconnected/restarted event the app emits from now on, in order. */
export function recordMediaServerEvents(app: INestApplication): RecordedEvent[] {
  const events: RecordedEvent[] = [];
  const emitter = app.get(EventEmitter2);
  for (const name of [MEDIA_SERVER_CONNECTED, MEDIA_SERVER_DISCONNECTED, MEDIA_SERVER_RESTARTED]) {
    emitter.on(name, (e: MediaServerEvent) => events.push({ name, ...e }));
  }
  return events;
}

/** Stands in for the sessions code: what the pool needs from a session. */
export class FakeSession implements HostedSession {
  readonly closes: string[] = [];
  constructor(
    readonly sessionId: string,
    public streams = 0,
  ) {}
  streamCount(): number {
    return this.streams;
  }
  toJson(): Record<string, unknown> {
    return { sessionId: this.sessionId, createdAt: 1, connections: { numberOfElements: 0, content: [] } };
  }
  close(reason: 'mediaServerDisconnect'): Promise<void> {
    this.closes.push(reason);
    return Promise.resolve();
  }
}

/**
 * Places `sessionId` on the server `mediaServerId`: fillers are placed until the pool's choice is
 * that server, then the real session takes the filler's spot and the fillers are released.
 */
export function placeOn(pool: MediaServersService, mediaServerId: string, sessionId: string): Placement {
  const fillers: Placement[] = [];
  try {
    for (let i = 0; i < 100; i++) {
      const filler = pool.place(`${sessionId}-filler-${i}`);
      if (filler.mediaServerId !== mediaServerId) {
        fillers.push(filler);
        continue;
      }
      filler.release();
      const real = pool.place(sessionId);
      assert.equal(real.mediaServerId, mediaServerId);
      return real;
    }
    throw new Error(`could not place ${sessionId} on ${mediaServerId}`);
  } finally {
    for (const f of fillers) f.release();
  }
}
