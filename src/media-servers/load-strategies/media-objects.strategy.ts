import type { LoadInputs, LoadStrategy } from './load-strategy.interface.js';

/**
 * Media objects the server reports (pipelines and their elements, sampled on a timer), plus one per
 * session placed since the sample started: it will at least create its pipeline.
 */
export class MediaObjectsStrategy implements LoadStrategy {
  readonly name = 'mediaObjects' as const;
  readonly samples = { cpu: false, mediaObjects: true };

  load(server: LoadInputs): number {
    return (server.sample?.mediaObjects ?? 0) + server.unsampledPlacements;
  }
}
