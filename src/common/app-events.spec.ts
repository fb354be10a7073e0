import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Injectable, Logger, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { EventEmitter2, EventEmitterModule } from '@nestjs/event-emitter';
import { CONFIG_UPDATED } from '../config/config.service.js';
import { SERVER_PHASE_CHANGED, type ServerPhaseEvent } from '../health/lifecycle.service.js';
import { MEDIA_SERVER_CONNECTED, type MediaServerEvent } from '../media-servers/media-server.events.js';
import { SessionEvents, type RecordingChangedEvent, type SessionEventMap } from '../sessions/session-events.js';
import { InjectEventBus, OnAppEvent, type EventBus } from './app-events.js';

const seen: string[] = [];

@Injectable()
class Emitter {
  constructor(@InjectEventBus() readonly bus: EventBus) {}
}

@Injectable()
class Listener {
  @OnAppEvent(SessionEvents.RecordingChanged)
  recording(e: RecordingChangedEvent): void {
    seen.push(`recording ${e.sessionId} ${e.recording}`);
  }

  @OnAppEvent(SERVER_PHASE_CHANGED)
  phase(e: ServerPhaseEvent): void {
    seen.push(`phase ${e.phase}`);
    throw new Error('listener failure');
  }

  // One method for several events: it takes a type every payload fits (here, none).
  @OnAppEvent(MEDIA_SERVER_CONNECTED)
  @OnAppEvent(SessionEvents.Activated)
  any(): void {
    seen.push('any');
  }

  @OnAppEvent(CONFIG_UPDATED)
  async slow(): Promise<void> {
    await new Promise((r) => setImmediate(r));
    seen.push('config settled');
  }
}

@Module({ imports: [EventEmitterModule.forRoot()], providers: [Emitter, Listener] })
class EventsTestModule {}

void describe('app events (typed EventEmitter2)', () => {
  void it('delivers through @OnEvent: synchronously, in order, listener failures logged and not rethrown', async (t) => {
    const app = await NestFactory.createApplicationContext(EventsTestModule, { logger: false });
    const errors: unknown[] = [];
    t.mock.method(Logger.prototype, 'error', (message: unknown) => void errors.push(message));
    try {
      await app.init();
      const { bus } = app.get(Emitter);
      assert.equal(bus, app.get(EventEmitter2), 'the bus is the application emitter itself');
      seen.length = 0;
      bus.emit(SessionEvents.RecordingChanged, { sessionId: 's1', recording: true });
      bus.emit(SERVER_PHASE_CHANGED, { phase: 'serving', at: 1 });
      const connected: MediaServerEvent = { id: 'KMS-A', uri: 'ws://k', at: 2 };
      bus.emit(MEDIA_SERVER_CONNECTED, connected);
      assert.deepEqual(seen, ['recording s1 true', 'phase serving', 'any'], 'each listener ran during its emit');
      await new Promise((r) => setImmediate(r));
      assert.deepEqual(errors, ['listener failure']);

      // emitAsync waits for async listeners (config reload relies on it).
      seen.length = 0;
      const done = bus.emitAsync(CONFIG_UPDATED, {
        previous: {} as never,
        current: {} as never,
        changed: [],
      });
      assert.deepEqual(seen, []);
      await done;
      assert.deepEqual(seen, ['config settled']);
    } finally {
      await app.close();
    }
  });

  void it('refuses, at compile time, a wrong payload or a listener of the wrong type', () => {
    const bus: EventBus<SessionEventMap> = new EventEmitter2();
    bus.emit(SessionEvents.RecordingChanged, { sessionId: 's', recording: false });
    // @ts-expect-error: `recording` is a boolean
    bus.emit(SessionEvents.RecordingChanged, { sessionId: 's', recording: 'yes' });
    // @ts-expect-error: not an event of this domain's map
    bus.emit(CONFIG_UPDATED, { previous: {}, current: {}, changed: [] });
    class WrongListener {
      // @ts-expect-error: the payload of session.activated is not a ServerPhaseEvent
      @OnAppEvent(SessionEvents.Activated)
      wrong(e: ServerPhaseEvent): void {
        void e;
      }
    }
    assert.ok(WrongListener);
  });
});
