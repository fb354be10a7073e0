// The ServerManager singleton (`manager_ServerManager`): server info and load figures. Load is modelled, not
// measured: memory and CPU grow with the live objects so pool load-balancing has something to react to.
import type { EmulatorContext } from './context.js';
import { ErrorCode, KmsError } from './errors.js';
import { factoriesOf, kmdOf, MODULES, type ModuleName } from './objects/catalog.js';
import { MediaObject } from './objects/media-object.js';
import { complex, operationParams, reqInt, reqString } from './util.js';

export const SERVER_MANAGER_ID = 'manager_ServerManager';
export const KMS_VERSION = '7.2.0';
const GENERATION_TIME = 'Jan  1 2025 00:00:00';

/** Live counts the load model is based on. */
export interface LoadFigures {
  pipelines: number;
  endpoints: number;
  elements: number;
  pipelineIds(): string[];
  sessionIds(): string[];
}

export class ServerManager extends MediaObject {
  constructor(
    ctx: EmulatorContext,
    private readonly load: LoadFigures,
  ) {
    super(ctx, 'ServerManager', undefined, SERVER_MANAGER_ID);
  }

  override invoke(op: string, raw: unknown): unknown {
    switch (op) {
      case 'getInfo':
        return serverInfo();
      case 'getPipelines':
        return this.load.pipelineIds();
      case 'getSessions':
        return this.load.sessionIds();
      case 'getMetadata':
        return '';
      case 'getKmd': {
        const name = reqString(operationParams(raw, true), 'moduleName');
        if (!(MODULES as readonly string[]).includes(name)) {
          throw new KmsError(ErrorCode.SERVER_MANAGER_ERROR_KMD_NOT_FOUND, "Requested kmd module doesn't exist");
        }
        return kmdOf(name as ModuleName, KMS_VERSION);
      }
      case 'getCpuCount':
        return this.ctx.cpuCount;
      case 'getUsedMemory':
        return this.usedMemoryKiB();
      case 'getUsedCpu': {
        // KMS samples /proc for `interval` ms inside the request, which is what holds the socket's queue.
        const interval = reqInt(operationParams(raw, true), 'interval');
        const value = this.usedCpuPercent();
        return interval > 0 ? this.ctx.timers.sleep(interval).then(() => value) : value;
      }
      default:
        return super.invoke(op, raw);
    }
  }

  /** RSS in KiB: a 60 MiB baseline plus a per-object cost. */
  usedMemoryKiB(): number {
    const l = this.load;
    return 61440 + l.pipelines * 1024 + l.endpoints * 6144 + (l.elements - l.endpoints) * 2048;
  }

  /** Process CPU in percent of all cores, rising with the number of live endpoints and filters. */
  usedCpuPercent(): number {
    const l = this.load;
    const raw = 0.5 + (l.endpoints * 8 + (l.elements - l.endpoints) * 3 + l.pipelines * 0.5) / this.ctx.cpuCount;
    return Math.min(100, Math.round(raw * 10) / 10);
  }
}

export function serverInfo(): unknown {
  return complex('ServerInfo', {
    version: KMS_VERSION,
    modules: MODULES.map((name) =>
      complex('ModuleInfo', {
        version: KMS_VERSION,
        name,
        generationTime: GENERATION_TIME,
        factories: factoriesOf(name),
      }),
    ),
    type: 'KMS',
    capabilities: ['transactions'],
  });
}
