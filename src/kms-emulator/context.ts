import type { EventBus } from './events.js';
import type { MediaObject } from './objects/media-object.js';
import type { TimerSet } from './util.js';

export type LogLevel = 'info' | 'warn' | 'debug';
export type LogFn = (level: LogLevel, msg: string) => void;

/** What media objects may reach of the emulator around them. */
export interface EmulatorContext {
  readonly timers: TimerSet;
  readonly events: EventBus;
  readonly cpuCount: number;
  readonly log: LogFn;
  /** A live object, or 40101 MEDIA_OBJECT_NOT_FOUND. */
  resolve(id: string): MediaObject;
}
