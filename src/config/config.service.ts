import { Inject, Injectable, Logger } from '@nestjs/common';
import { InjectEventBus, type EventBus } from '../common/app-events.js';
import { BadRequestError } from '../common/errors.js';
import { ConfigFileRepository } from './config-file.repository.js';
import type { LoadedConfig } from './config.loader.js';
import { ConfigKey, OpenViduConfig, ignoredPropertiesWarning } from './config.schema.js';
import { crossCheck } from './config.values.js';
import { RestartRequest } from './restart-request.js';

export const LOADED_CONFIG = Symbol('LOADED_CONFIG');
export const CONFIG_UPDATED = 'config.updated';

export interface ConfigUpdatedEvent {
  previous: Readonly<OpenViduConfig>;
  current: Readonly<OpenViduConfig>;
  changed: ConfigKey[];
}

/** Name → payload of the config events (typed emit and `@OnAppEvent`). */
export interface ConfigEventMap {
  [CONFIG_UPDATED]: ConfigUpdatedEvent;
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
    @InjectEventBus() private readonly events: EventBus<ConfigEventMap>,
  ) {
    this.current = Object.freeze({ ...loaded.config });
    this.configFile = loaded.configFile;
    const ignored = ignoredPropertiesWarning(this.current);
    if (ignored) this.logger.warn(ignored);
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

  /**
   * The restart's new values, checked together with the configuration they would join (the body's
   * own rules ran in `RestartRequest`); throws a 400 naming every key in the way and why.
   */
  private updatesFor(request: unknown): Partial<OpenViduConfig> {
    const { updates } = RestartRequest.from(request);
    const errors = crossCheck({ ...this.current, ...updates }).map((e) => `"${e.key}" ${e.reason}`);
    if (errors.length) throw new BadRequestError(`Invalid restart request: ${errors.join('; ')}`);
    return updates;
  }

  /**
   * A `RestartRequest` from the HTTP edge, or a plain body from code in the process (validated
   * the same way). Concurrent calls would otherwise validate against a stale config and race on the
   * file, so they run one after the other.
   */
  restart(request: unknown): Promise<RestartResult> {
    const run = this.restartQueue.then(() => this.applyRestart(request));
    this.restartQueue = run.catch(() => undefined);
    return run;
  }

  private async applyRestart(request: unknown): Promise<RestartResult> {
    const updates = this.updatesFor(request);
    const keys = Object.keys(updates) as ConfigKey[];
    this.restartInProgress = true;
    try {
      const persisted = await this.persist(updates);
      const previous = this.current;
      this.current = Object.freeze({ ...previous, ...updates });
      const changed = keys.filter((k) => JSON.stringify(previous[k]) !== JSON.stringify(this.current[k]));
      this.logger.log(`Restart applied in place; changed: ${changed.length ? changed.join(', ') : 'nothing'}`);
      const ignored = ignoredPropertiesWarning(updates, keys);
      if (ignored) this.logger.warn(ignored);
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
