import type { LoadStrategyName } from '../../config/config.schema.js';
import type { KmsSample } from '../kurento/kms-monitor.js';
import type { PlacementRecord } from '../placement.js';

/** What a strategy may read about one media server; all of it is in memory (no round trip). */
export interface LoadInputs {
  placements(): Iterable<PlacementRecord>;
  readonly placementCount: number;
  /** Placements made after the last sample started, so its figures do not show them yet. */
  readonly unsampledPlacements: number;
  readonly sample: KmsSample | undefined;
}

/**
 * One way to weigh a media server (`openvidu.pro.cluster.load.strategy`). `load()` is what
 * `?load=true` shows and what placement minimises; it includes the share reserved for sessions
 * placed but not yet reflected in the real figures, so a burst of placements spreads evenly.
 */
export interface LoadStrategy {
  readonly name: LoadStrategyName;
  /** What the sampler must fetch from the server for this strategy. */
  readonly samples: { readonly cpu: boolean; readonly mediaObjects: boolean };
  load(server: LoadInputs): number;
}
