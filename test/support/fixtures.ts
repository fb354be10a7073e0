// What every e2e spec starts from: the one test secret and its Basic credentials, the environment a
// test server boots with, media options, and throwaway folders and ports.
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { MediaOptions } from '../../src/sessions/session.types.js';

export const USER = 'OPENVIDUAPP';
/** The secret every harness-booted server uses (not the product default, so a test proves the env is read). */
export const SECRET = 'TEST_SECRET';

export function basic(secret = SECRET, user = USER): string {
  return `Basic ${Buffer.from(`${user}:${secret}`).toString('base64')}`;
}

/** Credentials for {@link SECRET}. */
export const AUTH = basic();

/**
 * What a harness-booted server runs with unless the test says otherwise: loopback, an ephemeral port,
 * plain HTTP, Pro cluster routes, and fault timings short enough that a media-server loss is seen in
 * well under 2 s.
 */
export const TEST_ENV: Readonly<Record<string, string>> = {
  SERVER_ADDRESS: '127.0.0.1',
  SERVER_PORT: '0',
  SERVER_SSL_ENABLED: 'false',
  OPENVIDU_SECRET: SECRET,
  OPENVIDU_PRO_CLUSTER: 'true',
  KMS_LIVENESS_INTERVAL: '100',
  KMS_LIVENESS_TIMEOUT: '300',
  KMS_CONNECT_TIMEOUT: '1000',
  KMS_REQUEST_TIMEOUT: '2000',
  KMS_DISCONNECT_GRACE: '500',
  KMS_LOAD_SAMPLING_INTERVAL: '200',
  WS_SESSIONRECONNECTIONTIME: '1',
};

/** The least a server needs (loopback, ephemeral port, its data dir, one media server): product defaults otherwise. */
export function baseEnv(dataDir: string, kmsUri: string, extra: Record<string, string> = {}): Record<string, string> {
  return {
    SERVER_ADDRESS: '127.0.0.1',
    SERVER_PORT: '0',
    SERVER_DATA_DIR: dataDir,
    KMS_URIS: JSON.stringify([kmsUri]),
    ...extra,
  };
}

export function tempDir(prefix: string): { dir: string; remove(): void } {
  const dir = mkdtempSync(join(tmpdir(), `ov-${prefix}-`));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/** A port nothing listens on right now (for a server that must be given a fixed port). */
export async function freePort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((resolve) => srv.listen(0, '127.0.0.1', resolve));
  const { port } = srv.address() as { port: number };
  await new Promise<void>((resolve) => srv.close(() => resolve()));
  return port;
}

/** A camera publishing audio and video, as openvidu-browser's default publisher does. */
export { CAMERA as VIDEO } from '../../src/testing/fakes.js';

export const CAMERA: MediaOptions = {
  hasAudio: true,
  hasVideo: true,
  audioActive: true,
  videoActive: false,
  typeOfVideo: 'CAMERA',
  frameRate: 30,
  videoDimensions: '{"width":640,"height":480}',
};

export const AUDIO_ONLY: MediaOptions = {
  hasAudio: true,
  hasVideo: false,
  audioActive: true,
  videoActive: false,
  typeOfVideo: '',
  frameRate: null,
  videoDimensions: '',
};

/**
 * How many rounds a long loop runs (kills, fuzz cases, fault cycles): `quick` in `npm test`, `full`
 * with TEST_FULL=1, or exactly what the variable `name` says (e.g. CRASH_TRIALS=500).
 */
export function loopSize(name: string, quick: number, full: number): number {
  const set = Number(process.env[name]);
  if (Number.isInteger(set) && set > 0) return set;
  return process.env.TEST_FULL === '1' ? full : quick;
}
