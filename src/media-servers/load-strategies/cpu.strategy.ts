import type { LoadInputs, LoadStrategy } from './load-strategy.interface.js';

/** Percent points a placed session is assumed to cost until the next CPU sample shows it. */
export const CPU_POINTS_PER_NEW_SESSION = 1;

/** The server's CPU percent (0–100) from `getUsedCpu`, sampled on a timer on the sampler's socket. */
export class CpuStrategy implements LoadStrategy {
  readonly name = 'cpu' as const;
  readonly samples = { cpu: true, mediaObjects: false };

  load(server: LoadInputs): number {
    return (server.sample?.cpuPercent ?? 0) + server.unsampledPlacements * CPU_POINTS_PER_NEW_SESSION;
  }
}
