export interface KmsEmulatorOptions {
  /** 0 / undefined = pick a free port. */
  port?: number;
  /** Default '127.0.0.1'. */
  host?: string;
  /** Default 'kurento'; a socket on another path is accepted then closed, as KMS does. */
  path?: string;
  /** Default 4. */
  cpuCount?: number;
  /** Default: silent. */
  log?: (level: 'info' | 'warn' | 'debug', msg: string) => void;
}

export interface KmsEmulatorStats {
  sessions: number;
  objects: number;
  pipelines: number;
  endpoints: number;
  sockets: number;
}

export interface KmsEmulator {
  /** ws://127.0.0.1:<port>/kurento */
  readonly uri: string;
  /** Stays the same across down/up/restart. */
  readonly port: number;
  /** Changes on restart(). */
  readonly serverId: string;
  /** Drop every socket, keep all state (a client then gets reconnected(true)). */
  blip(): void;
  /** Stop listening and drop sockets (connection refused until up()). */
  down(): Promise<void>;
  /** Listen again on the same port, same state. */
  up(): Promise<void>;
  /** New serverId, all sessions and objects gone, sockets dropped (reconnect → 40007). */
  restart(): Promise<void>;
  /** Accept and read, never answer (no JSON-RPC answers, no events, no WebSocket pongs) until hang(false). */
  hang(on?: boolean): void;
  /** Delay every answer by ms. */
  setLatency(ms: number): void;
  /** operation = JSON-RPC method ('create', 'invoke', 'ping'…) or invoke operation ('processOffer', 'getUsedCpu'…). */
  failNext(operation: string, count: number, code: number, message?: string): void;
  /** 40009 on create past N live objects; null = unlimited. */
  setLimit(maxObjects: number | null): void;
  stats(): KmsEmulatorStats;
  /**
   * Makes object `objectId` raise `eventType` as if its media had caused it (e.g. a ZBarFilter's
   * `CodeFound {codeType, value}`, which needs a real picture on a KMS). Only events its class
   * declares in the kmd; subscribers get it as any other event. Throws for an unknown id or event.
   */
  raise(objectId: string, eventType: string, fields?: Record<string, unknown>): void;
  /** Release everything. */
  close(): Promise<void>;
}
