import { Logger } from '@nestjs/common';
import type { LoadedConfig } from '../config/config.loader.js';
import { startKmsEmulator, type KmsEmulator } from '../kms-emulator/index.js';

/**
 * With no `kms.uris`, the server still starts with everything working but media: one Kurento-protocol
 * emulator in-process on a free loopback port. Setting KMS_URIS (or KMS_EMBEDDED_EMULATOR=false) turns this off.
 */
export async function startEmbeddedMediaServer(loaded: LoadedConfig): Promise<KmsEmulator | undefined> {
  if (loaded.config['kms.uris'].length > 0) return undefined;
  if (!loaded.config['kms.embedded-emulator']) {
    new Logger('MediaServers').warn(
      'No kms.uris and kms.embedded-emulator=false: starting with no media server; register one with POST /pro/media-servers',
    );
    return undefined;
  }
  const emulator = await startKmsEmulator({ host: '127.0.0.1', port: 0 });
  loaded.config['kms.uris'] = [emulator.uri];
  const log = new Logger('MediaServers');
  log.warn(
    [
      '************************************************************************************',
      `  KMS_URIS is not set: using an EMBEDDED KURENTO EMULATOR at ${emulator.uri}`,
      '  It speaks the Kurento protocol but carries NO MEDIA: browsers will connect, publish',
      '  and subscribe, yet no audio or video will flow. Set KMS_URIS to real media servers.',
      '************************************************************************************',
    ].join('\n'),
  );
  return emulator;
}
