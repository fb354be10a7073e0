import { openJsonRpcSocket, type RpcSocket, type RpcSocketOpener } from './json-rpc-socket.js';

const MANAGER = 'manager_ServerManager';

export interface KmsModuleInfo {
  name: string;
  version: string;
  generationTime: string;
  factories: string[];
}

/** What `?extraInfo=true` shows, refreshed on every sample. */
export interface KmsInfo {
  /** `getUsedMemory()` is KiB; OpenVidu shows it divided by 1024 (MiB). */
  memoryMiB: number;
  version: string;
  capabilities: string[];
  modules: KmsModuleInfo[];
}

export interface KmsSample {
  /** When the sample started: a session placed before this is already part of the figures. */
  startedAt: number;
  /** `getUsedCpu(window)`, percent 0–100; only sampled for the `cpu` strategy. */
  cpuPercent?: number;
  /** Pipelines plus their children; only sampled for the `mediaObjects` strategy. */
  mediaObjects?: number;
}

export interface MonitorOptions {
  samplingInterval: number;
  connectTimeout: number;
  requestTimeout: number;
  maxFrameBytes: number;
  cpu: boolean;
  mediaObjects: boolean;
}

export interface MonitorListener {
  /** A sample is about to start: what exists now is what its figures will show. */
  starting(): void;
  info(info: KmsInfo): void;
  sample(sample: KmsSample): void;
  failed(reason: string): void;
}

interface Invoked<T> {
  value: T;
}

interface RawServerInfo {
  version?: string;
  capabilities?: string[];
  modules?: Partial<KmsModuleInfo>[];
}

/**
 * Samples a media server on a socket of its own: `getUsedCpu(window)` makes KMS sleep inside the
 * request and hold that socket (docs/kurento-protocol.md §2.1, §9.5), so neither the probe nor signalling may share it.
 * One sample at a time; the next starts `samplingInterval` ms after the previous one ended.
 */
export class KmsMonitor {
  private socket: RpcSocket | undefined;
  private timer: NodeJS.Timeout | undefined;
  private running = false;
  private generation = 0;

  constructor(
    private readonly uri: string,
    private readonly opts: MonitorOptions,
    private readonly listener: MonitorListener,
    private readonly open: RpcSocketOpener = openJsonRpcSocket,
  ) {}

  /** The window `getUsedCpu` averages over: long enough to mean something, shorter than the period. */
  get cpuWindow(): number {
    return Math.min(1000, Math.max(50, Math.floor(this.opts.samplingInterval / 2)));
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    void this.loop(++this.generation);
  }

  stop(): void {
    this.running = false;
    this.generation++;
    clearTimeout(this.timer);
    this.timer = undefined;
    this.socket?.close();
    this.socket = undefined;
  }

  private async loop(gen: number): Promise<void> {
    try {
      if (!this.socket?.isOpen) {
        this.socket = undefined;
        const sock = await this.open(this.uri, this.opts.connectTimeout, this.opts.maxFrameBytes);
        if (gen !== this.generation) return sock.close();
        this.socket = sock;
      }
      await this.sampleOnce(this.socket, gen);
    } catch (e) {
      if (gen !== this.generation) return;
      this.socket?.close();
      this.socket = undefined;
      this.listener.failed((e as Error).message);
    }
    if (gen !== this.generation) return;
    this.timer = setTimeout(() => void this.loop(gen), this.opts.samplingInterval);
  }

  private async sampleOnce(sock: RpcSocket, gen: number): Promise<void> {
    const startedAt = Date.now();
    this.listener.starting();
    const t = this.opts.requestTimeout;
    const invoke = <T>(object: string, operation: string, operationParams?: Record<string, unknown>, ms = t) =>
      sock
        .request<Invoked<T>>('invoke', { object, operation, ...(operationParams ? { operationParams } : {}) }, ms)
        .then((r) => r?.value);

    const memoryKiB = await invoke<number>(MANAGER, 'getUsedMemory');
    const info = await invoke<RawServerInfo>(MANAGER, 'getInfo');
    if (gen !== this.generation) return;
    this.listener.info(toInfo(memoryKiB, info));

    const sample: KmsSample = { startedAt };
    if (this.opts.cpu) {
      const window = this.cpuWindow;
      const cpu = await invoke<number>(MANAGER, 'getUsedCpu', { interval: window }, window + t);
      sample.cpuPercent = Math.min(100, Math.max(0, Number(cpu) || 0));
    }
    if (this.opts.mediaObjects) {
      const pipelines = (await invoke<string[]>(MANAGER, 'getPipelines')) ?? [];
      // A pipeline released between the two calls answers 40101: it no longer counts.
      const children = await Promise.all(
        pipelines.map((id) =>
          invoke<string[]>(id, 'getChildren').then(
            (c) => 1 + (Array.isArray(c) ? c.length : 0),
            () => 0,
          ),
        ),
      );
      sample.mediaObjects = children.reduce((a, b) => a + b, 0);
    }
    if (gen !== this.generation) return;
    this.listener.sample(sample);
  }
}

function toInfo(memoryKiB: number | undefined, raw: RawServerInfo | undefined): KmsInfo {
  return {
    memoryMiB: Math.floor((Number(memoryKiB) || 0) / 1024),
    version: String(raw?.version ?? ''),
    capabilities: Array.isArray(raw?.capabilities) ? raw.capabilities.map(String) : [],
    modules: (raw?.modules ?? []).map((m) => ({
      name: String(m.name ?? ''),
      version: String(m.version ?? ''),
      generationTime: String(m.generationTime ?? ''),
      factories: Array.isArray(m.factories) ? m.factories.map(String) : [],
    })),
  };
}
