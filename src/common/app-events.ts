import { Inject } from '@nestjs/common';
import { EventEmitter2, OnEvent, type OnEventOptions } from '@nestjs/event-emitter';
import type { CdrEventMap } from '../cdr/cdr-events.js';
import type { ConfigEventMap } from '../config/config.service.js';
import type { LifecycleEventMap } from '../health/lifecycle.service.js';
import type { MediaServerEventMap } from '../media-servers/media-server.events.js';
import type { SessionEventMap } from '../sessions/session-events.js';
import type { SignallingEventMap } from '../signalling/signalling.events.js';

/**
 * Every in-process event, name → payload. Each domain declares its own map beside its event names;
 * this is their union, so one name can never carry two payload types.
 */
export interface AppEvents
  extends SessionEventMap, MediaServerEventMap, ConfigEventMap, CdrEventMap, SignallingEventMap, LifecycleEventMap {}

export type AppEventName = keyof AppEvents;

/**
 * The application's EventEmitter2 as a domain sees it: `emit(name, payload)` compiles only with a
 * name of map `M` (the domain's own, so a service emits only its domain's events) and the payload
 * that name carries. It is a view, not a wrapper: emission stays synchronous and in order, exactly
 * as EventEmitter2 does it, and `new EventEmitter2()` is an EventBus in unit tests.
 */
export interface EventBus<M = AppEvents> {
  emit<K extends keyof M & string>(name: K, payload: M[K]): boolean;
  /** Resolves once every listener (and the promise it returned) has settled. */
  emitAsync<K extends keyof M & string>(name: K, payload: M[K]): Promise<unknown[]>;
}

/** An emit function restricted to one domain's map (a class handing its emitter to a helper). */
export type Emit<M> = <K extends keyof M & string>(name: K, payload: M[K]) => void;

/** Constructor parameter decorator: `@InjectEventBus() private readonly events: EventBus`. */
export const InjectEventBus = (): PropertyDecorator & ParameterDecorator => Inject(EventEmitter2);

/** What a listener method must look like for event `K`: it takes that payload (or a wider type, or nothing). */
export type AppEventListener<K extends AppEventName> = (payload: AppEvents[K]) => unknown;

/**
 * `@OnEvent(name)` that compiles only on a method whose parameter accepts the payload of `name`.
 * Same registration as `@OnEvent`: Nest calls the method synchronously during `emit` and logs (does
 * not rethrow) what it throws or rejects with, unless `options.suppressErrors` is false.
 */
export function OnAppEvent<K extends AppEventName>(name: K, options?: OnEventOptions) {
  const register = OnEvent(name, options);
  return (target: object, key: string | symbol, descriptor: { value?: AppEventListener<K> }): void => {
    register(target, key, descriptor as PropertyDescriptor);
  };
}
