import type { LoadInputs, LoadStrategy } from './load-strategy.interface.js';

/** Publishers + subscribers hosted (docs/openvidu-api.md §3.4); a session with no stream yet counts one. */
export class StreamsStrategy implements LoadStrategy {
  readonly name = 'streams' as const;
  readonly samples = { cpu: false, mediaObjects: false };

  load(server: LoadInputs): number {
    let total = 0;
    for (const p of server.placements()) total += p.streams();
    return total;
  }
}
