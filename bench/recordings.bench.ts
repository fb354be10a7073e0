// Recording start/stop cost against the bare media work it needs, measured in the same run:
//  1. POST /api/recordings/start (INDIVIDUAL, N publishers) versus creating, subscribing, connecting
//     and starting N RecorderEndpoints straight through the media API on the same media server.
//  2. POST /api/recordings/stop (stopAndWait, metadata, file wait, zip) versus stopAndWait + release of
//     N recorders through the media API.
//  3. GET /api/recordings with R recordings on disk (metadata read from disk every time).
// Plain HTTP on 127.0.0.1 with one emulated media server. Sizes: BENCH_RECORDINGS_STREAMS (default 4),
// BENCH_RECORDINGS_ROUNDS (default 20; 6 with BENCH_QUICK=1), BENCH_RECORDINGS_STORED (default 200; 50).
import { performance } from 'node:perf_hooks';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Recorder } from '../src/media-servers/media-api.js';
import { createSession } from '../test/support/api.js';
import { boot } from '../test/support/boot.js';
import { rest } from '../test/support/http.js';
import { Peer } from '../test/support/rpc.js';
import { fmtMs, report, size } from './report.js';

const STREAMS = size('RECORDINGS_STREAMS', 4, 4);
const ROUNDS = size('RECORDINGS_ROUNDS', 20, 6);
const STORED = size('RECORDINGS_STORED', 200, 50);

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function main(): Promise<void> {
  const recPath = mkdtempSync(join(tmpdir(), 'ov-bench-rec-'));
  const h = await boot({
    OPENVIDU_RECORDING: 'true',
    OPENVIDU_RECORDING_PATH: recPath,
    OPENVIDU_RECORDING_FILE_WAIT_TIMEOUT: '2000',
    LOGGING_LEVEL_ROOT: 'warn',
  });
  const peers: Peer[] = [];
  try {
    const session = await createSession(h.url, { customSessionId: 'bench' });
    for (let i = 0; i < STREAMS; i++) {
      const p = await Peer.withRole(h, session, 'PUBLISHER');
      peers.push(p);
      await p.publish();
    }
    const media = h.pool.media(h.pool.list()[0].id);
    const pipeline = await media.createPipeline();
    const source = await pipeline.createWebRtcEndpoint();
    const ours = { start: [] as number[], stop: [] as number[] };
    const bare = { start: [] as number[], stop: [] as number[] };
    for (let round = 0; round < ROUNDS; round++) {
      // Alternate so drift (GC, load) hits both sides alike.
      let t = performance.now();
      const started = await rest(h.url, 'POST', '/api/recordings/start', { session, outputMode: 'INDIVIDUAL' });
      if (started.status !== 200) throw new Error(`start: ${started.status} ${started.text}`);
      ours.start.push(performance.now() - t);
      const id = started.json<{ id: string }>().id;
      t = performance.now();
      const stopped = await rest(h.url, 'POST', `/api/recordings/stop/${id}`);
      if (stopped.json<{ status: string }>().status !== 'ready') throw new Error(`stop: ${stopped.text}`);
      ours.stop.push(performance.now() - t);

      t = performance.now();
      const recorders: Recorder[] = await Promise.all(
        Array.from({ length: STREAMS }, async (_, i) => {
          const r = await pipeline.createRecorder(
            pathToFileURL(join(recPath, 'bare', `${round}-${i}.webm`)).href,
            'WEBM',
          );
          await r.on('Recording', () => undefined);
          await r.on('Stopped', () => undefined);
          await r.on('Error', () => undefined);
          await source.connect(r, 'AUDIO');
          await source.connect(r, 'VIDEO');
          await r.record();
          return r;
        }),
      );
      bare.start.push(performance.now() - t);
      t = performance.now();
      await Promise.all(
        recorders.map(async (r) => {
          await r.stopAndWait();
          await r.release();
        }),
      );
      bare.stop.push(performance.now() - t);
    }
    rmSync(join(recPath, 'bare'), { recursive: true, force: true });
    const startRatio = median(ours.start) / median(bare.start);
    report('recordings', {
      figure: `POST /api/recordings/start, INDIVIDUAL, ${STREAMS} streams (median of ${ROUNDS})`,
      value: fmtMs(median(ours.start)),
      baseline: `${STREAMS} recorders created, subscribed, connected, started through the media API: ${fmtMs(median(bare.start))}`,
      ratio: startRatio,
    });
    report('recordings', {
      figure: `POST /api/recordings/stop, INDIVIDUAL, ${STREAMS} streams: files, zip, metadata (median of ${ROUNDS})`,
      value: fmtMs(median(ours.stop)),
      baseline: `${STREAMS} recorders stopAndWait + release through the media API: ${fmtMs(median(bare.stop))}`,
      ratio: median(ours.stop) / median(bare.stop),
    });

    // Many finished recordings on disk: list reads every metadata file.
    const stored = (await rest(h.url, 'GET', '/api/recordings')).json<{ count: number }>().count;
    for (let i = stored; i < STORED; i++) {
      const r = await rest(h.url, 'POST', '/api/recordings/start', {
        session,
        outputMode: 'COMPOSED',
        hasVideo: false,
      });
      await rest(h.url, 'POST', `/api/recordings/stop/${r.json<{ id: string }>().id}`);
    }
    const list: number[] = [];
    const sessions: number[] = [];
    for (let i = 0; i < 20; i++) {
      let t = performance.now();
      const r = await rest(h.url, 'GET', '/api/recordings');
      if (r.json<{ count: number }>().count < STORED) throw new Error('list is short');
      list.push(performance.now() - t);
      t = performance.now();
      await rest(h.url, 'GET', '/api/sessions');
      sessions.push(performance.now() - t);
    }
    report('recordings', {
      figure: `GET /api/recordings with ${STORED} recordings on disk (median of 20)`,
      value: fmtMs(median(list)),
      baseline: `GET /api/sessions (1 session, ${STREAMS} publishers): ${fmtMs(median(sessions))}`,
      ratio: median(list) / median(sessions),
    });
    await pipeline.release();
  } finally {
    for (const p of peers) await p.rpc.close();
    await h.close();
    rmSync(recPath, { recursive: true, force: true });
  }
}

await main();
