import type { KmsSample } from './kurento/kms-monitor.js';
import type { LoadInputs, LoadStrategy } from './load-strategies/load-strategy.interface.js';
import { PlacementRecord, type PlacementHost } from './placement.js';

/**
 * The load bookkeeping of one media server: sessions placed on it, the last sample, and which
 * placements that sample already reflects (by placement order, not by clock).
 */
export class ServerLoad implements LoadInputs, PlacementHost {
  private readonly byId = new Map<string, PlacementRecord>();
  private seq = 0;
  /** `seq` when the last completed sample started, and when the running one started. */
  private sampledSeq = 0;
  private runningSampleSeq = 0;
  private lastSample: KmsSample | undefined;

  constructor(
    readonly id: string,
    private readonly strategy: LoadStrategy,
    /** Called after a placement is released (a draining server leaves once it has none). */
    private readonly detached: () => void = () => undefined,
  ) {}

  get sample(): KmsSample | undefined {
    return this.lastSample;
  }

  get placementCount(): number {
    return this.byId.size;
  }

  get unsampledPlacements(): number {
    let n = 0;
    for (const p of this.byId.values()) if (p.seq > this.sampledSeq) n++;
    return n;
  }

  placements(): IterableIterator<PlacementRecord> {
    return this.byId.values();
  }

  /** The strategy's figure, reservations included: what placement minimises and `?load=true` shows. */
  load(): number {
    return this.strategy.load(this);
  }

  /** Another strategy's figure over the same inputs (metrics show every strategy the samples allow). */
  loadBy(strategy: LoadStrategy): number {
    return strategy.load(this);
  }

  place(sessionId: string): PlacementRecord {
    const p = new PlacementRecord(sessionId, ++this.seq, this);
    this.byId.set(sessionId, p);
    return p;
  }

  placementOf(sessionId: string): PlacementRecord | undefined {
    return this.byId.get(sessionId);
  }

  detach(p: PlacementRecord): void {
    if (this.byId.get(p.sessionId) !== p) return;
    this.byId.delete(p.sessionId);
    this.detached();
  }

  sampleStarting(): void {
    this.runningSampleSeq = this.seq;
  }

  /** Placements made before the sample started are in its figures; later ones stay reserved. */
  sampleDone(sample: KmsSample): void {
    this.lastSample = sample;
    this.sampledSeq = this.runningSampleSeq;
  }

  /** A restarted server: none of the old figures hold any more. */
  forgetSample(): void {
    this.lastSample = undefined;
    this.sampledSeq = 0;
  }
}

/** The connected candidate with the lowest load; ties go to the first (as OpenVidu's getLessLoadedKms). */
export function leastLoaded<T extends { readonly connected: boolean; load(): number }>(
  candidates: Iterable<T>,
): T | undefined {
  let best: T | undefined;
  let bestLoad = Infinity;
  for (const c of candidates) {
    if (!c.connected) continue;
    const load = c.load();
    if (!best || load < bestLoad) {
      best = c;
      bestLoad = load;
    }
  }
  return best;
}
