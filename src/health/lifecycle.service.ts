import { Injectable, Logger, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import { InjectEventBus, type EventBus } from '../common/app-events.js';

/**
 * `booting` until every module is up, `serving` while the listener takes traffic, `draining` from
 * SIGTERM until the drain delay is over (still serving, but readiness is down so the Service stops
 * routing here), `stopping` once the app is being closed.
 */
export type ServerPhase = 'booting' | 'serving' | 'draining' | 'stopping';

/** Emitted (EventEmitter2) on every phase change with the new phase. */
export const SERVER_PHASE_CHANGED = 'server.phase-changed';

export interface ServerPhaseEvent {
  phase: ServerPhase;
  at: number;
}

/** Name → payload of the lifecycle events (typed emit and `@OnAppEvent`). */
export interface LifecycleEventMap {
  [SERVER_PHASE_CHANGED]: ServerPhaseEvent;
}

/** The process' own lifecycle, as readiness, metrics and the Inspector see it. */
@Injectable()
export class LifecycleService implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger('Lifecycle');
  private current: ServerPhase = 'booting';
  readonly startedAt = Date.now();

  constructor(@InjectEventBus() private readonly events: EventBus<LifecycleEventMap>) {}

  get phase(): ServerPhase {
    return this.current;
  }

  onApplicationBootstrap(): void {
    if (this.current === 'booting') this.set('serving');
  }

  /** Readiness turns false at once; everything else keeps working until the app is closed. */
  startDraining(): void {
    if (this.current === 'serving' || this.current === 'booting') this.set('draining');
  }

  onModuleDestroy(): void {
    this.set('stopping');
  }

  private set(phase: ServerPhase): void {
    if (this.current === phase) return;
    this.current = phase;
    this.logger.log({ msg: `Server phase: ${phase}`, phase });
    try {
      this.events.emit(SERVER_PHASE_CHANGED, { phase, at: Date.now() });
    } catch (e) {
      this.logger.error(`A ${SERVER_PHASE_CHANGED} listener failed: ${(e as Error).message}`);
    }
  }
}
