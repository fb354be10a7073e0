// Shared by the hardening specs: the real app (plain HTTP, Pro cluster) against media servers the
// test chose (emulators, or hostile proxies in front of them), with short fault timings.
import { bootWith as bootSignalling, type App } from '../signalling/support.js';

export type { App };

/** The signalling harness's boot with a shorter media request deadline, so a hostile answer fails fast. */
export function bootWith(uris: string[], env: Record<string, string> = {}, connected = uris.length): Promise<App> {
  return bootSignalling(uris, { KMS_REQUEST_TIMEOUT: '1500', ...env }, connected);
}
