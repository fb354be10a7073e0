// The one polling helper: every e2e wait on state that has no event of its own goes through it.

/** Polls `check` every 10 ms until it returns something truthy, which it resolves with; fails with `what` after `ms`. */
export async function until<T>(what: string, check: () => T | Promise<T>, ms = 10_000): Promise<NonNullable<T>> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await check();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}
