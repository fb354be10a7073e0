import type { LoadStrategyName } from '../../config/config.schema.js';
import { CpuStrategy } from './cpu.strategy.js';
import type { LoadStrategy } from './load-strategy.interface.js';
import { MediaObjectsStrategy } from './media-objects.strategy.js';
import { SessionsStrategy } from './sessions.strategy.js';
import { StreamsStrategy } from './streams.strategy.js';

export const ALL_LOAD_STRATEGIES: readonly LoadStrategy[] = [
  new StreamsStrategy(),
  new SessionsStrategy(),
  new MediaObjectsStrategy(),
  new CpuStrategy(),
];

/** The strategy named by `openvidu.pro.cluster.load.strategy` (config has already checked the name). */
export function selectLoadStrategy(name: string): LoadStrategy {
  const found = ALL_LOAD_STRATEGIES.find((s) => s.name === (name as LoadStrategyName));
  if (!found) throw new Error(`Unknown load strategy "${name}"`);
  return found;
}
