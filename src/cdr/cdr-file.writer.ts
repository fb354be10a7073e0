import { Inject, Injectable, Logger, OnApplicationShutdown } from '@nestjs/common';
import { OnAppEvent } from '../common/app-events.js';
import { appendFile, mkdir, readdir, unlink } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { CONFIG_UPDATED, OpenViduConfigService, type ConfigUpdatedEvent } from '../config/config.service.js';
import { CDR_EVENT, cdrLine, type CdrRecord } from './cdr-events.js';

const pad = (n: number) => String(n).padStart(2, '0');
const day = (d: Date) => `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
const MAX_HISTORY_DAYS = 30;

/** The CDR directory in force (`openvidu.cdr.path`, relative to the working directory as in OpenVidu). */
export function cdrDirectory(config: OpenViduConfigService): string {
  return resolve(config.get('openvidu.cdr.path'));
}

/**
 * Writes CDR events as JSON lines when `openvidu.cdr=true`: `<openvidu.cdr.path>/CDR.<yyyy-MM-dd>_<HH-mm-ss>.log`,
 * the date of the day and the time the server started (logback's daily rolling in 2.11, reference
 * §6), keeping 30 days. Appends are serialised so lines keep the order of the events.
 */
@Injectable()
export class CdrFileWriter implements OnApplicationShutdown {
  private readonly logger = new Logger(CdrFileWriter.name);
  private readonly startedAt: string;
  private chain: Promise<void> = Promise.resolve();
  private preparedDir: string | null = null;
  private preparedDay: string | null = null;
  private failing = false;
  private closed = false;

  constructor(@Inject(OpenViduConfigService) private readonly config: OpenViduConfigService) {
    const now = new Date();
    this.startedAt = `${pad(now.getHours())}-${pad(now.getMinutes())}-${pad(now.getSeconds())}`;
  }

  get enabled(): boolean {
    return this.config.get('openvidu.cdr') && !this.closed;
  }

  /** The file a line written now goes to. */
  currentFile(now = new Date()): string {
    return join(cdrDirectory(this.config), `CDR.${day(now)}_${this.startedAt}.log`);
  }

  @OnAppEvent(CDR_EVENT)
  onCdrEvent(record: CdrRecord): void {
    if (!this.enabled) return;
    const line = `${cdrLine(record)}\n`;
    const now = new Date();
    this.chain = this.chain.then(() => this.append(now, line));
  }

  @OnAppEvent(CONFIG_UPDATED)
  onConfigUpdated(e: ConfigUpdatedEvent): void {
    if (e.changed.includes('openvidu.cdr')) {
      this.logger.log(`CDR ${this.config.get('openvidu.cdr') ? 'enabled' : 'disabled'}`);
    }
  }

  /** Resolves once every line accepted so far is on disk (or failed). */
  flush(): Promise<void> {
    return this.chain;
  }

  async onApplicationShutdown(): Promise<void> {
    await this.chain;
    this.closed = true;
  }

  private async append(now: Date, line: string): Promise<void> {
    const dir = cdrDirectory(this.config);
    try {
      if (this.preparedDir !== dir || this.preparedDay !== day(now)) {
        await mkdir(dir, { recursive: true });
        this.preparedDir = dir;
        this.preparedDay = day(now);
        await this.prune(dir, now);
      }
      await appendFile(this.currentFile(now), line);
      if (this.failing) this.logger.log(`CDR file writable again: ${this.currentFile(now)}`);
      this.failing = false;
    } catch (e) {
      this.preparedDir = null;
      if (!this.failing) {
        this.logger.error(`Cannot write CDR file in ${dir}: ${(e as NodeJS.ErrnoException).code ?? String(e)}`);
      }
      this.failing = true;
    }
  }

  /** logback's MaxHistory: files of days older than 30 days go. */
  private async prune(dir: string, now: Date): Promise<void> {
    const oldest = new Date(now.getFullYear(), now.getMonth(), now.getDate() - MAX_HISTORY_DAYS);
    for (const name of await readdir(dir)) {
      const m = /^CDR\.(\d{4}-\d{2}-\d{2})_\d{2}-\d{2}-\d{2}\.log$/.exec(name);
      if (m && m[1] < day(oldest)) await unlink(join(dir, name)).catch(() => undefined);
    }
  }
}
