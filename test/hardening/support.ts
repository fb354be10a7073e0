// Shared by the hardening specs: the real app (plain HTTP, Pro cluster) against media servers the
// test chose (emulators, or hostile proxies in front of them), with short fault timings.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { INestApplication } from '@nestjs/common';
import { loadConfig } from '../../src/config/config.loader.js';
import { MediaServersService } from '../../src/media-servers/media-servers.service.js';
import { startServer } from '../../src/server/bootstrap.js';
import { SECRET, until } from '../signalling/support.js';

export interface App {
  app: INestApplication;
  url: string;
  wsUrl: string;
  pool: MediaServersService;
  dir: string;
  close(): Promise<void>;
}

export async function bootWith(
  uris: string[],
  env: Record<string, string> = {},
  connected = uris.length,
): Promise<App> {
  const dir = mkdtempSync(join(tmpdir(), 'ov-hardening-'));
  const loaded = loadConfig({
    SERVER_ADDRESS: '127.0.0.1',
    SERVER_PORT: '0',
    SERVER_SSL_ENABLED: 'false',
    SERVER_DATA_DIR: join(dir, 'data'),
    OPENVIDU_SECRET: SECRET,
    OPENVIDU_PRO_CLUSTER: 'true',
    KMS_URIS: JSON.stringify(uris),
    KMS_LIVENESS_INTERVAL: '100',
    KMS_LIVENESS_TIMEOUT: '300',
    KMS_CONNECT_TIMEOUT: '1000',
    KMS_REQUEST_TIMEOUT: '1500',
    KMS_DISCONNECT_GRACE: '500',
    KMS_LOAD_SAMPLING_INTERVAL: '200',
    WS_SESSIONRECONNECTIONTIME: '1',
    ...env,
  });
  if (loaded.errors.length) throw new Error(`bad test config: ${loaded.errors.join('; ')}`);
  const { app, url } = await startServer(loaded);
  const pool = app.get(MediaServersService);
  let closed = false;
  const h: App = {
    app,
    url,
    wsUrl: `${url.replace(/^http/, 'ws')}/openvidu`,
    pool,
    dir,
    async close() {
      if (closed) return;
      closed = true;
      await app.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
  await until(`${connected} media server(s) to connect`, () => pool.connectedCount() >= connected);
  return h;
}
