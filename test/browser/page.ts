// The page side is untyped browser code (openvidu-browser objects, the page global): `any` is its honest type.
/* eslint-disable @typescript-eslint/no-explicit-any */
// The test page: openvidu-browser 2.11.0 from node_modules, bundled by esbuild when the suite starts,
// plus a small harness the test drives with page.evaluate. Served over HTTP on 127.0.0.1 (a secure
// context, so getUserMedia works) by a server the test starts and stops.
import { createServer, type Server } from 'node:http';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { build, type Plugin } from 'esbuild';

const require = createRequire(import.meta.url);

/**
 * openvidu-browser's JSON-RPC client requires Node's `events` (its own builds get it from
 * browserify); the part it uses — on, emit returning whether anyone listened — is given here.
 */
const EVENTS_SHIM = `
function EventEmitter() { this._events = this._events || {}; }
EventEmitter.prototype.on = EventEmitter.prototype.addListener = function (type, fn) {
  this._events = this._events || {};
  (this._events[type] = this._events[type] || []).push(fn);
  return this;
};
EventEmitter.prototype.once = function (type, fn) {
  var self = this;
  function once() { self.removeListener(type, once); fn.apply(self, arguments); }
  return this.on(type, once);
};
EventEmitter.prototype.removeListener = EventEmitter.prototype.off = function (type, fn) {
  var list = (this._events || {})[type] || [];
  var i = list.indexOf(fn);
  if (i >= 0) list.splice(i, 1);
  return this;
};
EventEmitter.prototype.removeAllListeners = function (type) {
  if (type === undefined) this._events = {}; else if (this._events) delete this._events[type];
  return this;
};
EventEmitter.prototype.listeners = function (type) { return ((this._events || {})[type] || []).slice(); };
EventEmitter.prototype.emit = function (type) {
  var list = ((this._events || {})[type] || []).slice();
  var args = Array.prototype.slice.call(arguments, 1);
  for (var i = 0; i < list.length; i++) list[i].apply(this, args);
  return list.length > 0;
};
EventEmitter.EventEmitter = EventEmitter;
module.exports = EventEmitter;
`;

const nodeEventsShim: Plugin = {
  name: 'node-events-shim',
  setup(b) {
    b.onResolve({ filter: /^events$/ }, () => ({ path: 'events', namespace: 'shim' }));
    b.onLoad({ filter: /.*/, namespace: 'shim' }, () => ({ contents: EVENTS_SHIM, loader: 'js' }));
  },
};

/** openvidu-browser's package entry (lib/index.js) as one IIFE exposing `OpenViduBrowser`. */
export async function bundleOpenViduBrowser(): Promise<string> {
  const root = dirname(require.resolve('openvidu-browser/package.json'));
  const version = (require('openvidu-browser/package.json') as { version: string }).version;
  if (version !== '2.11.0') throw new Error(`openvidu-browser ${version} installed, the suite needs 2.11.0`);
  const out = await build({
    entryPoints: [join(root, 'lib', 'index.js')],
    bundle: true,
    write: false,
    format: 'iife',
    globalName: 'OpenViduBrowser',
    platform: 'browser',
    target: 'chrome90',
    define: { global: 'window' },
    logLevel: 'silent',
    plugins: [nodeEventsShim],
  });
  return out.outputFiles[0].text;
}

/**
 * Runs in the page. Each participant is one OpenVidu object and Session, named by the test; every
 * event openvidu-browser dispatches is recorded so the test can wait for it and assert its values.
 */
function harness(): void {
  type Rec = Record<string, unknown> & { type: string };
  interface PeerState {
    OV: any;
    session: any;
    publisher?: any;
    screen?: { publisher: any; canvas: any; timer: ReturnType<typeof setInterval> };
    events: Rec[];
  }
  const OVB = (globalThis as any).OpenViduBrowser;
  const peers: Record<string, PeerState> = {};
  const errText = (e: any) => (e && (e.name || e.message) ? `${e.name}: ${e.message}` : String(e));

  (globalThis as any).ovTest = {
    peers,
    async join(name: string, token: string, metadata: string) {
      const OV = new OVB.OpenVidu();
      OV.enableProdMode();
      const session = OV.initSession();
      const p: PeerState = { OV, session, events: [] };
      peers[name] = p;
      const rec = (type: string, data: Record<string, unknown>) => p.events.push({ type, at: Date.now(), ...data });
      session.on('connectionCreated', (e: any) =>
        rec('connectionCreated', { connectionId: e.connection.connectionId, data: e.connection.data }),
      );
      session.on('connectionDestroyed', (e: any) =>
        rec('connectionDestroyed', { connectionId: e.connection.connectionId, reason: e.reason }),
      );
      session.on('streamCreated', (e: any) => {
        const s = e.stream;
        rec('streamCreated', {
          streamId: s.streamId,
          connectionId: s.connection.connectionId,
          hasAudio: s.hasAudio,
          hasVideo: s.hasVideo,
          audioActive: s.audioActive,
          videoActive: s.videoActive,
          frameRate: s.frameRate ?? null,
          videoDimensions: s.videoDimensions,
          typeOfVideo: s.typeOfVideo,
        });
        session.subscribe(s, undefined, {}, (err: any) =>
          rec(err ? 'subscribeFailed' : 'subscribed', { streamId: s.streamId, error: err ? errText(err) : null }),
        );
      });
      session.on('streamDestroyed', (e: any) =>
        rec('streamDestroyed', { streamId: e.stream.streamId, reason: e.reason }),
      );
      session.on('streamPropertyChanged', (e: any) =>
        rec('streamPropertyChanged', {
          streamId: e.stream.streamId,
          connectionId: e.stream.connection.connectionId,
          changedProperty: e.changedProperty,
          newValue: e.newValue,
          oldValue: e.oldValue,
          reason: e.reason,
          audioActive: e.stream.audioActive,
          videoActive: e.stream.videoActive,
          videoDimensions: e.stream.videoDimensions,
        }),
      );
      session.on('signal', (e: any) =>
        rec('signal', { signalType: e.type, data: e.data, from: e.from ? e.from.connectionId : null }),
      );
      session.on('sessionDisconnected', (e: any) => rec('sessionDisconnected', { reason: e.reason }));
      await session.connect(token, metadata);
      return { connectionId: session.connection.connectionId, sessionId: session.sessionId };
    },
    async publish(name: string, withFrameRate: boolean) {
      const p = peers[name];
      const props: Record<string, unknown> = {
        publishAudio: true,
        publishVideo: true,
        resolution: '320x240',
        insertMode: 'APPEND',
      };
      if (withFrameRate) props.frameRate = 15;
      p.publisher = await p.OV.initPublisherAsync(undefined, props);
      await p.session.publish(p.publisher);
      return p.publisher.stream.streamId;
    },
    /**
     * A screen share (`videoSource: 'screen'`). The machine has no screen to pick, so the browser's
     * picker (getDisplayMedia) is given a canvas of the asked size instead; everything after it is
     * openvidu-browser's own screen-share path, including its 500 ms size watch.
     */
    async publishScreen(name: string, width: number, height: number) {
      const p = peers[name];
      const doc = (globalThis as any).document;
      const canvas = doc.createElement('canvas');
      canvas.width = width;
      canvas.height = height;
      const ctx = canvas.getContext('2d');
      let hue = 0;
      const timer = setInterval(() => {
        hue = (hue + 7) % 360;
        ctx.fillStyle = `hsl(${hue}, 60%, 50%)`;
        ctx.fillRect(0, 0, canvas.width, canvas.height);
      }, 40);
      (globalThis as any).navigator.mediaDevices.getDisplayMedia = () => Promise.resolve(canvas.captureStream(25));
      const publisher = await p.OV.initPublisherAsync(undefined, {
        videoSource: 'screen',
        publishAudio: false,
        publishVideo: true,
        insertMode: 'APPEND',
      });
      p.screen = { publisher, canvas, timer };
      await p.session.publish(publisher);
      return publisher.stream.streamId as string;
    },
    resizeScreen(name: string, width: number, height: number) {
      const { canvas } = peers[name].screen!;
      canvas.width = width;
      canvas.height = height;
    },
    unpublishScreen(name: string) {
      const p = peers[name];
      p.session.unpublish(p.screen!.publisher);
      clearInterval(p.screen!.timer);
      p.screen = undefined;
    },
    /** Every RTCPeerConnection of the participant (publishers, subscribers): `kind:iceState/connectionState`. */
    peerStates(name: string) {
      const p = peers[name];
      const out: string[] = [];
      const add = (kind: string, stream: any) => {
        const pc = stream?.webRtcPeer?.pc;
        if (pc) out.push(`${kind}:${pc.iceConnectionState}/${pc.connectionState}`);
      };
      add('pub', p.publisher?.stream);
      add('screen', p.screen?.publisher.stream);
      for (const c of Object.values<any>(p.session.remoteConnections ?? {})) add('sub', c.stream);
      return out;
    },
    publishAudio(name: string, on: boolean) {
      peers[name].publisher.publishAudio(on);
    },
    publishVideo(name: string, on: boolean) {
      peers[name].publisher.publishVideo(on);
    },
    signal(name: string, data: string, type: string, to: string[]) {
      const p = peers[name];
      const recipients = to.map((id) => p.session.remoteConnections[id]).filter(Boolean);
      return p.session.signal({ data, type, to: recipients });
    },
    forceDisconnect(name: string, connectionId: string) {
      const p = peers[name];
      return p.session.forceDisconnect(p.session.remoteConnections[connectionId]);
    },
    disconnect(name: string) {
      peers[name].session.disconnect();
    },
    events(name: string) {
      return peers[name].events;
    },
    /**
     * What a participant's connect() does first (Session#processToken), then the RTCPeerConnection
     * openvidu-browser's WebRtcPeer would build from `OV.iceServers`, gathering candidates for an offer.
     */
    async turnProbe(token: string) {
      const OV = new OVB.OpenVidu();
      OV.enableProdMode();
      OV.initSession().processToken(token);
      const iceServers = OV.iceServers as unknown[];
      const pc = new (globalThis as any).RTCPeerConnection({ iceServers });
      const candidates: string[] = [];
      const errors: string[] = [];
      pc.onicecandidate = (e: any) => e.candidate && candidates.push(e.candidate.candidate as string);
      pc.onicecandidateerror = (e: any) => errors.push(`${e.errorCode} ${e.url} ${e.errorText}`);
      pc.createDataChannel('probe');
      await pc.setLocalDescription(await pc.createOffer());
      const deadline = Date.now() + 15000;
      while (pc.iceGatheringState !== 'complete' && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 50));
      }
      const state = pc.iceGatheringState as string;
      pc.close();
      return { iceServers, candidates, errors, state };
    },
    iceStates(name: string) {
      const p = peers[name];
      const out: string[] = [];
      const pc = p.publisher?.stream?.webRtcPeer?.pc;
      if (pc) out.push(`pub:${pc.iceConnectionState}`);
      return out;
    },
  };
}

export interface PageServer {
  url: string;
  close(): Promise<void>;
}

/** Serves the page at `/` on 127.0.0.1 with an ephemeral port. */
export async function servePage(bundle: string): Promise<PageServer> {
  const html =
    '<!doctype html><html><head><meta charset="utf-8"><title>openvidu-browser 2.11.0</title></head><body>' +
    `<script>${bundle.replace(/<\/script/gi, '<\\/script')}</script>` +
    `<script>(${harness.toString()})();</script></body></html>`;
  const server: Server = createServer((req, res) => {
    if (req.url === '/' || req.url === '/index.html') {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
      res.end(html);
    } else {
      res.writeHead(404).end();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}/`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
