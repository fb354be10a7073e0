import {
  Inject,
  Injectable,
  Logger,
  Optional,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import { performance } from 'node:perf_hooks';
import v8 from 'node:v8';
import vm from 'node:vm';

/** How often the heap is looked at; an idle process pays one `getHeapStatistics()` per period. */
export const PERIOD_MS = 5000;
/** Below this event-loop utilisation over a whole period the process counts as idle. */
const IDLE_ELU = 0.05;
/** Collect once the heap grew this much since the last full collection… */
const GROWTH_FACTOR = 1.5;
/** …and by at least this much, so a small idle heap is left alone. */
const MIN_GROWTH = 32 * 2 ** 20;

/** What IdleGc reads and does; the process's own by default, a fake in unit specs. */
export interface MemoryProbe {
  /** V8's used heap size, in bytes. */
  heapUsed(): number;
  /** Event-loop utilisation (0..1) since the previous call. */
  utilisation(): number;
  /** A full collection, if one can be had. */
  obtainGc(): (() => void) | undefined;
}

export const MEMORY_PROBE = Symbol('MEMORY_PROBE');

/** The running process: v8 heap statistics, perf_hooks ELU and `gc()`. */
export function processProbe(): MemoryProbe {
  let last = performance.eventLoopUtilization();
  return {
    heapUsed: () => v8.getHeapStatistics().used_heap_size,
    utilisation: () => {
      const elu = performance.eventLoopUtilization(last);
      last = performance.eventLoopUtilization();
      return elu.utilization;
    },
    obtainGc,
  };
}

/**
 * Gives the memory of a burst back once it is over. V8 runs no major GC while the process is idle,
 * so the garbage of thousands of joins (hundreds of MB) stays in the heap, and in RSS, for as long
 * as nothing else happens (bench/PROFILE.md, memory). When a whole period passed with the event loop
 * idle and the heap has grown well past its size after the last full collection, run one.
 * A full collection costs in proportion to what is live, which right after a burst is little.
 */
@Injectable()
export class IdleGc implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('Memory');
  private readonly probe: MemoryProbe;
  private timer: NodeJS.Timeout | undefined;
  private baseline: number;
  private gc: (() => void) | undefined;
  /** Full collections run so far (exposed for tests). */
  collections = 0;

  constructor(@Optional() @Inject(MEMORY_PROBE) probe?: MemoryProbe | null) {
    this.probe = probe ?? processProbe();
    this.baseline = this.probe.heapUsed();
  }

  onApplicationBootstrap(): void {
    // SERVER_IDLE_GC=false turns it off, so a bench can measure what it is worth in the same run.
    if (process.env.SERVER_IDLE_GC === 'false') return;
    this.gc = this.probe.obtainGc();
    if (!this.gc) {
      this.logger.warn('no gc() available: the memory of a burst comes back only when V8 decides to collect');
      return;
    }
    this.timer = setInterval(() => this.tick(), PERIOD_MS);
    this.timer.unref();
  }

  onApplicationShutdown(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  /** One check; `idle` overrides the measured utilisation (tests). */
  tick(idle?: boolean): boolean {
    const utilisation = this.probe.utilisation();
    const used = this.probe.heapUsed();
    if (used < this.baseline) this.baseline = used;
    const quiet = idle ?? utilisation < IDLE_ELU;
    if (!this.gc || !quiet || used < this.baseline * GROWTH_FACTOR || used - this.baseline < MIN_GROWTH) return false;
    const t0 = performance.now();
    this.gc();
    this.collections++;
    this.baseline = this.probe.heapUsed();
    this.logger.log(
      `idle: full GC took ${(performance.now() - t0).toFixed(0)} ms, heap ${mib(used)} -> ${mib(this.baseline)} MiB`,
    );
    return true;
  }
}

function mib(bytes: number): string {
  return (bytes / 2 ** 20).toFixed(0);
}

/** `global.gc` when node runs with --expose-gc, else the same function obtained at run time. */
function obtainGc(): (() => void) | undefined {
  const exposed = (globalThis as { gc?: () => void }).gc;
  if (typeof exposed === 'function') return exposed;
  try {
    // The flag only takes effect for contexts created after it is set; take gc from a new one.
    v8.setFlagsFromString('--expose-gc');
    const gc = vm.runInNewContext('gc') as unknown;
    return typeof gc === 'function' ? (gc as () => void) : undefined;
  } catch {
    return undefined;
  }
}
