import { randomInt } from 'node:crypto';

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';
/** Ids of deregistered uris remembered, oldest forgotten first: an operator's churn cannot grow it. */
export const REMEMBERED_IDS = 1000;

/**
 * `KMS-` + 6 upper-case alphanumerics (reference §3.3). A registered uri keeps its id; a deregistered
 * one gets the same id back if registered again while it is among the last `REMEMBERED_IDS`
 * released. Process-wide, so an in-process app restart keeps the ids too.
 */
class MediaServerIds {
  private readonly inUse = new Map<string, { id: string; refs: number }>();
  /** Released uri → id, in release order. */
  private readonly released = new Map<string, string>();

  acquire(normalizedUri: string): string {
    const held = this.inUse.get(normalizedUri);
    if (held) {
      held.refs++;
      return held.id;
    }
    let id = this.released.get(normalizedUri);
    this.released.delete(normalizedUri);
    if (!id) {
      do {
        id = 'KMS-';
        for (let i = 0; i < 6; i++) id += ALPHABET[randomInt(ALPHABET.length)];
      } while (this.taken(id));
    }
    this.inUse.set(normalizedUri, { id, refs: 1 });
    return id;
  }

  release(normalizedUri: string): void {
    const held = this.inUse.get(normalizedUri);
    if (!held || --held.refs > 0) return;
    this.inUse.delete(normalizedUri);
    this.released.set(normalizedUri, held.id);
    if (this.released.size > REMEMBERED_IDS) this.released.delete(this.released.keys().next().value!);
  }

  get size(): number {
    return this.inUse.size + this.released.size;
  }

  private taken(id: string): boolean {
    for (const h of this.inUse.values()) if (h.id === id) return true;
    for (const r of this.released.values()) if (r === id) return true;
    return false;
  }
}

const ids = new MediaServerIds();

/** The id of a uri being registered; pair with `releaseMediaServerId` when it is removed. */
export function mediaServerIdFor(normalizedUri: string): string {
  return ids.acquire(normalizedUri);
}

export function releaseMediaServerId(normalizedUri: string): void {
  ids.release(normalizedUri);
}

/** Uris the process remembers an id for (registered plus recently released); bounded. */
export function rememberedMediaServerIds(): number {
  return ids.size;
}

/** Same server, same key: `ws://Host:8888/kurento` and `ws://host:8888/kurento` are one uri. */
export function normalizeUri(uri: string): string {
  return new URL(uri).href;
}
