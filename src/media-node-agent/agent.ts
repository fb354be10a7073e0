import { writeFileSync } from 'node:fs';

export interface AgentOptions {
  /** Base URL of the server's REST API, e.g. http://openvidu-server.openvidu.svc */
  serverUrl: string;
  secret: string;
  /** The media server this agent stands for, e.g. ws://10.0.0.5:8888/kurento */
  kmsUri: string;
  /** ms between registrations (a restarted server forgets its media servers). */
  intervalMs: number;
  /** Written once the drain is over, for the media server's preStop hook to wait on. */
  doneFile?: string;
  log?: (line: string) => void;
}

/**
 * Keeps one media server registered with the server (`POST /pro/media-servers` every interval;
 * 409 means it already is), and on `drain()` sets it `waiting-idle-to-terminate` and waits until
 * the server has deregistered it after its last session, then writes `doneFile`.
 */
export class MediaNodeAgent {
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;
  private readonly auth: string;
  private readonly log: (line: string) => void;

  constructor(private readonly opts: AgentOptions) {
    this.auth = `Basic ${Buffer.from(`OPENVIDUAPP:${opts.secret}`).toString('base64')}`;
    this.log =
      opts.log ??
      ((line) => process.stdout.write(`${JSON.stringify({ time: new Date().toISOString(), msg: line })}\n`));
  }

  start(): void {
    const tick = () => {
      if (this.stopped) return;
      void this.register().finally(() => {
        if (!this.stopped) this.timer = setTimeout(tick, this.opts.intervalMs);
      });
    };
    tick();
  }

  async register(): Promise<void> {
    try {
      const r = await this.call('POST', '/pro/media-servers', { uri: this.opts.kmsUri });
      if (r.status === 200) {
        this.log(`registered ${this.opts.kmsUri} as ${String(((await r.json()) as { id?: unknown }).id)}`);
      } else if (r.status !== 409) this.log(`registering ${this.opts.kmsUri} answered ${r.status}: ${await r.text()}`);
      else await r.arrayBuffer();
    } catch (e) {
      this.log(`server not reachable: ${(e as Error).message}`);
    }
  }

  /** Stops registering, drains the media server and resolves once the server let it go. */
  async drain(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    try {
      const id = await this.findId();
      if (id) {
        const r = await this.call('PATCH', `/pro/media-servers/${id}`, { status: 'waiting-idle-to-terminate' });
        this.log(`drain of ${id} requested: ${r.status}`);
        await r.arrayBuffer();
        while (
          (await this.call('GET', `/pro/media-servers/${id}`).then(async (g) => (await g.arrayBuffer(), g.status))) ===
          200
        ) {
          await new Promise((resolve) => setTimeout(resolve, Math.min(this.opts.intervalMs, 1000)));
        }
        this.log(`${id} drained and deregistered`);
      } else {
        this.log(`${this.opts.kmsUri} is not registered: nothing to drain`);
      }
    } catch (e) {
      // The server is gone too: nobody can place sessions here any more.
      this.log(`drain ended early: ${(e as Error).message}`);
    }
    if (this.opts.doneFile) writeFileSync(this.opts.doneFile, `${new Date().toISOString()}\n`);
  }

  private async findId(): Promise<string | undefined> {
    const r = await this.call('GET', '/pro/media-servers');
    if (r.status !== 200) throw new Error(`GET /pro/media-servers answered ${r.status}`);
    const list = (await r.json()) as { content: Array<{ id: string; uri: string }> };
    return list.content.find((s) => s.uri === this.opts.kmsUri)?.id;
  }

  private call(method: string, path: string, body?: unknown): Promise<Response> {
    return fetch(new URL(path, this.opts.serverUrl), {
      method,
      headers: { authorization: this.auth, ...(body ? { 'content-type': 'application/json' } : {}) },
      body: body ? JSON.stringify(body) : undefined,
      signal: AbortSignal.timeout(10_000),
    });
  }
}
