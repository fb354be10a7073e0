/** Addresses remembered at once; past it the oldest window is forgotten. */
const MAX_ADDRESSES = 10_000;
const WINDOW_MS = 60_000;

interface Window {
  start: number;
  failures: number;
  logged: boolean;
}

/**
 * Wrong admin secrets in joinRoom, per remote address and minute (`ws.secretAttemptsPerMinute`).
 * Past the limit a join with a secret is refused without checking it, so guessing runs at that rate
 * at most; the first refusal of each window is logged. Bounded in memory whatever the addresses.
 */
export class SecretAttempts {
  private readonly windows = new Map<string, Window>();

  constructor(private readonly limit: () => number) {}

  /** True while `address` may still try a secret in the current window. */
  allowed(address: string, now = Date.now()): boolean {
    const w = this.current(address, now);
    return !w || w.failures < this.limit();
  }

  /** Records a wrong secret. */
  failed(address: string, now = Date.now()): void {
    let w = this.current(address, now);
    if (!w) {
      if (this.windows.size >= MAX_ADDRESSES) this.windows.delete(this.windows.keys().next().value!);
      w = { start: now, failures: 0, logged: false };
      this.windows.set(address, w);
    }
    w.failures++;
  }

  /** Marks the window as reported; true only the first time. */
  report(address: string, now = Date.now()): boolean {
    const w = this.current(address, now);
    if (!w || w.logged) return false;
    w.logged = true;
    return true;
  }

  private current(address: string, now: number): Window | undefined {
    const w = this.windows.get(address);
    if (w && now - w.start >= WINDOW_MS) {
      this.windows.delete(address);
      return undefined;
    }
    return w;
  }
}
