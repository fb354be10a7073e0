// Kurento Media Server emulator: KMS's JSON-RPC protocol over WebSocket, with no media at all, plus fault
// injection for testing a control plane against crashes, restarts, hangs and errors.
import type { KmsEmulator, KmsEmulatorOptions } from './api.js';
import { KmsEmulatorServer } from './server.js';

export type { KmsEmulator, KmsEmulatorOptions, KmsEmulatorStats } from './api.js';
export { ErrorCode } from './errors.js';

export function startKmsEmulator(opts?: KmsEmulatorOptions): Promise<KmsEmulator> {
  return KmsEmulatorServer.start(opts);
}
