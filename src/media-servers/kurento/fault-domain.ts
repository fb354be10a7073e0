import { AsyncLocalStorage } from 'node:async_hooks';

/**
 * One media server's client, as the last-resort handler sees it: a throw that escaped kurento-client
 * (a timer or socket callback of its own) is charged to the client whose async context it ran in.
 */
export interface FaultDomain {
  readonly mediaServerId: string;
  /** Logs the fault and drops the client, so a fresh one serves the next call. */
  contain(error: unknown): void;
}

const domains = new AsyncLocalStorage<FaultDomain>();

/** Runs `fn` (creating a client and its sockets) so everything it schedules belongs to `domain`. */
export function runInFaultDomain<T>(domain: FaultDomain, fn: () => T): T {
  return domains.run(domain, fn);
}

/**
 * The process-wide `uncaughtException` handler, installed while the media-server pool runs. A throw
 * from inside a media server's client is contained (logged, that client closed) and the process
 * keeps serving. Anything else still ends the process as Node would, unless another handler (a test
 * runner, an APM agent) is there to decide.
 */
export class LastResortHandler {
  private installed = false;
  private readonly handler = (error: Error) => this.handle(error);

  constructor(private readonly fatal: (message: string) => void) {}

  install(): void {
    if (this.installed) return;
    this.installed = true;
    process.on('uncaughtException', this.handler);
  }

  uninstall(): void {
    if (!this.installed) return;
    this.installed = false;
    process.off('uncaughtException', this.handler);
  }

  private handle(error: Error): void {
    const domain = domains.getStore();
    if (domain) {
      try {
        domain.contain(error);
        return;
      } catch (e) {
        this.fatal(`Containing a fault of media server ${domain.mediaServerId} failed: ${String(e)}`);
      }
    }
    if (process.listenerCount('uncaughtException') > 1) return;
    this.fatal(`Uncaught exception: ${error?.stack ?? String(error)}`);
    process.exit(1);
  }
}
