import type { LoadInputs, LoadStrategy } from './load-strategy.interface.js';

/** Sessions hosted (docs/openvidu-api.md §3.4), counted from the moment they are placed. */
export class SessionsStrategy implements LoadStrategy {
  readonly name = 'sessions' as const;
  readonly samples = { cpu: false, mediaObjects: false };

  load(server: LoadInputs): number {
    return server.placementCount;
  }
}
