/**
 * Pending setTimeout timers, for a spec's "no timer left" checks. node:test's mock timers can run
 * or skip timers but not say how many are waiting, and an unref'd timer never shows up in
 * process.getActiveResourcesInfo(). Excluded from the production build.
 */

/** A timer created while tracking that has neither fired nor been cleared. */
export interface PendingTimeouts {
  readonly count: number;
  /** Puts back the setTimeout/clearTimeout that were in place when tracking started. */
  restore(): void;
}

/**
 * Wraps the current global setTimeout/clearTimeout (enable the mock timers first, and restore this
 * before resetting them).
 */
export function trackTimeouts(): PendingTimeouts {
  const set = globalThis.setTimeout;
  const clear = globalThis.clearTimeout;
  const live = new Set<unknown>();
  const tracked = (callback: (...args: unknown[]) => void, ms?: number, ...args: unknown[]) => {
    const handle = set(
      (...a: unknown[]) => {
        live.delete(handle);
        callback(...a);
      },
      ms,
      ...args,
    );
    live.add(handle);
    return handle;
  };
  const untracked = (handle: unknown) => {
    live.delete(handle);
    clear(handle as NodeJS.Timeout);
  };
  globalThis.setTimeout = tracked as unknown as typeof setTimeout;
  globalThis.clearTimeout = untracked;
  return {
    get count() {
      return live.size;
    },
    restore() {
      globalThis.setTimeout = set;
      globalThis.clearTimeout = clear;
    },
  };
}
