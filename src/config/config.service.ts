import { Inject, Injectable, Logger } from '@nestjs/common';
import { EventEmitter2 } from '@nestjs/event-emitter';
import { BadRequestError } from '../common/errors.js';
import { ConfigFileRepository } from './config-file.repository.js';
import type { LoadedConfig } from './config.loader.js';
import { ConfigKey, OpenViduConfig, PROPERTY_BY_KEY } from './config.schema.js';
import { checkJsonType, checkValue, crossCheck } from './config.values.js';

export const LOADED_CONFIG = Symbol('LOADED_CONFIG');
export const CONFIG_UPDATED = 'config.updated';

export interface ConfigUpdatedEvent {
  previous: Readonly<OpenViduConfig>;
  current: Readonly<OpenViduConfig>;
  changed: ConfigKey[];
}

export interface RestartResult {
  message: string;
}

/**
 * Owns the configuration in force. /pro/restart goes through `restart()`: validate every key →
 * persist atomically → swap → announce `config.updated`, and each module re-reads what it owns.
 */
@Injectable()
export class OpenViduConfigService {
  private readonly logger = new Logger(OpenViduConfigService.name);
  private current: Readonly<OpenViduConfig>;
  private restartInProgress = false;
  /** Restarts run one after the other, each validated against what the previous one left. */
  private restartQueue: Promise<unknown> = Promise.resolve();
  private warnedNotWritable = false;
  readonly configFile: string | undefined;

  constructor(
    @Inject(LOADED_CONFIG) loaded: LoadedConfig,
    @Inject(ConfigFileRepository) private readonly file: ConfigFileRepository,
    @Inject(EventEmitter2) private readonly events: EventEmitter2,
  ) {
    this.current = Object.freeze({ ...loaded.config });
    this.configFile = loaded.configFile;
  }

  get<K extends ConfigKey>(key: K): OpenViduConfig[K] {
    return this.current[key];
  }

  snapshot(): Readonly<OpenViduConfig> {
    return this.current;
  }

  get restarting(): boolean {
    return this.restartInProgress;
  }

  /** Used once at boot when the embedded media server emulator stands in for `kms.uris`. */
  setEffectiveKmsUris(uris: string[]): void {
    this.current = Object.freeze({ ...this.current, 'kms.uris': [...uris] });
  }

  /**
   * `server.port` 0 lets the system pick a port: once listening, the real one replaces it, so
   * `openvidu.publicurl=local` (tokens, /config) names a port clients can reach.
   */
  setEffectivePort(port: number): void {
    if (this.current['server.port'] === 0) this.current = Object.freeze({ ...this.current, 'server.port': port });
  }

  /** Validates a /pro/restart body; throws a 400 naming every bad key and why. */
  validateRestart(body: unknown): Partial<OpenViduConfig> {
    if (body === null || typeof body !== 'object' || Array.isArray(body)) {
      throw new BadRequestError('Body must be a JSON object whose keys are OpenVidu property names');
    }
    const errors: string[] = [];
    const updates: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(body as Record<string, unknown>)) {
      const def = PROPERTY_BY_KEY.get(key);
      if (!def) {
        errors.push(`"${key}" is not a known property`);
        continue;
      }
      if (!def.restartable) {
        errors.push(`"${key}" cannot be changed by a restart; set it in the environment or the config file`);
        continue;
      }
      const typed = checkJsonType(def, value);
      if (!typed.ok) {
        errors.push(`"${key}" ${typed.reason}`);
        continue;
      }
      const bad = checkValue(def, typed.value);
      if (bad) {
        errors.push(`"${key}" ${bad}`);
        continue;
      }
      updates[key] = typed.value;
    }
    if (!errors.length) {
      const merged = { ...this.current, ...updates };
      for (const e of crossCheck(merged)) errors.push(`"${e.key}" ${e.reason}`);
    }
    if (errors.length) throw new BadRequestError(`Invalid restart request: ${errors.join('; ')}`);
    return updates;
  }

  restart(body: unknown): Promise<RestartResult> {
    // Concurrent calls would otherwise validate against a stale config and race on the file.
    const run = this.restartQueue.then(() => this.applyRestart(body));
    this.restartQueue = run.catch(() => undefined);
    return run;
  }

  private async applyRestart(body: unknown): Promise<RestartResult> {
    const updates = this.validateRestart(body);
    const keys = Object.keys(updates) as ConfigKey[];
    this.restartInProgress = true;
    try {
      const persisted = await this.persist(updates);
      const previous = this.current;
      this.current = Object.freeze({ ...previous, ...updates });
      const changed = keys.filter((k) => JSON.stringify(previous[k]) !== JSON.stringify(this.current[k]));
      this.logger.log(`Restart applied in place; changed: ${changed.length ? changed.join(', ') : 'nothing'}`);
      await this.events.emitAsync(CONFIG_UPDATED, { previous, current: this.current, changed });
      return {
        message: `Restarted OpenVidu Server with ${keys.length} new propert${keys.length === 1 ? 'y' : 'ies'}. ${persisted}`,
      };
    } finally {
      this.restartInProgress = false;
    }
  }

  private async persist(updates: Record<string, unknown>): Promise<string> {
    if (!this.configFile) return 'No config file is set (OPENVIDU_CONFIG_FILE): the values live in memory only.';
    if (!Object.keys(updates).length) return `Nothing to persist to ${this.configFile}.`;
    try {
      await this.file.persist(this.configFile, updates);
      return `Persisted to ${this.configFile}.`;
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code ?? 'error';
      if (!this.warnedNotWritable) {
        this.warnedNotWritable = true;
        this.logger.warn(
          `Config file ${this.configFile} is not writable (${code}): restarts are applied in memory only`,
        );
      }
      return `WARNING: could not write ${this.configFile} (${code}); the values are applied in memory only and will be lost on a process restart.`;
    }
  }
}
