// The recording side of the harness: the app with recording on, its recordings in a temporary
// folder the emulated media servers write to as well (the "shared volume"), REST steps, zip reading.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import yauzl from 'yauzl';
import { boot, type Harness } from './boot.js';
import { rest } from './http.js';

export interface RecHarness extends Harness {
  recPath: string;
}

/** The recording JSON keys of reference §2.9, in order, for each kind. */
export const INDIVIDUAL_KEYS = [
  'id',
  'name',
  'outputMode',
  'sessionId',
  'createdAt',
  'size',
  'duration',
  'url',
  'hasAudio',
  'hasVideo',
  'status',
];
export const COMPOSED_KEYS = [
  'id',
  'name',
  'outputMode',
  'resolution',
  'recordingLayout',
  'sessionId',
  'createdAt',
  'size',
  'duration',
  'url',
  'hasAudio',
  'hasVideo',
  'status',
];

export async function bootRecording(env: Record<string, string> = {}, emulators = 1): Promise<RecHarness> {
  const recPath = mkdtempSync(join(tmpdir(), 'ov-recordings-'));
  const h = await boot(
    {
      OPENVIDU_RECORDING: 'true',
      OPENVIDU_RECORDING_PATH: recPath,
      OPENVIDU_RECORDING_AUTOSTOP_TIMEOUT: '1',
      OPENVIDU_RECORDING_FILE_WAIT_TIMEOUT: '1500',
      ...env,
    },
    emulators,
  );
  const close = h.close.bind(h);
  return Object.assign(h, {
    recPath,
    async close() {
      await close();
      rmSync(recPath, { recursive: true, force: true });
    },
  });
}

export type RecordingJson = Record<string, unknown> & {
  id: string;
  name: string;
  status: string;
  size: number;
  duration: number;
  sessionId: string;
};

export async function startRecording(url: string, body: Record<string, unknown>): Promise<RecordingJson> {
  const r = await rest(url, 'POST', '/api/recordings/start', body);
  if (r.status !== 200) throw new Error(`start: ${r.status} ${r.text}`);
  return r.json<RecordingJson>();
}

export async function stopRecording(url: string, id: string): Promise<RecordingJson> {
  const r = await rest(url, 'POST', `/api/recordings/stop/${id}`);
  if (r.status !== 200) throw new Error(`stop: ${r.status} ${r.text}`);
  return r.json<RecordingJson>();
}

export async function getRecording(url: string, id: string): Promise<RecordingJson | null> {
  const r = await rest(url, 'GET', `/api/recordings/${id}`);
  if (r.status === 404) return null;
  if (r.status !== 200) throw new Error(`get: ${r.status} ${r.text}`);
  return r.json<RecordingJson>();
}

/** Entry names and contents of a zip file (yauzl). */
export function readZip(file: string): Promise<Map<string, Buffer>> {
  return new Promise((resolve, reject) => {
    yauzl.open(file, { lazyEntries: true }, (err, zip) => {
      if (err) return reject(err);
      const out = new Map<string, Buffer>();
      zip.on('error', reject);
      zip.on('end', () => resolve(out));
      zip.on('entry', (entry: yauzl.Entry) => {
        zip.openReadStream(entry, (e, stream) => {
          if (e) return reject(e);
          const chunks: Buffer[] = [];
          stream.on('data', (c: Buffer) => chunks.push(c));
          stream.on('end', () => {
            out.set(entry.fileName, Buffer.concat(chunks));
            zip.readEntry();
          });
        });
      });
      zip.readEntry();
    });
  });
}
