// The media-server side of the harness: the pool's lifecycle events as a test sees them, and a
// stand-in for the sessions code so a spec can place sessions on chosen servers.
import type { INestApplication } from '@nestjs/common';
import { EventEmitter2 } from '@nestjs/event-emitter';
import {
  MEDIA_SERVER_CONNECTED,
  MEDIA_SERVER_DISCONNECTED,
  MEDIA_SERVER_RESTARTED,
  type MediaServerEvent,
} from '../../src/media-servers/media-server.events.js';

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

// The same stand-ins serve the pool's unit specs.
export { FakeSession, placeOn } from '../../src/media-servers/testing/fakes.js';
