import { EventEmitter } from 'node:events';
import kurento from 'kurento-client';

type Raw = kurento.MediaObject;

/**
 * kurento-client 7.2 builds its `Transaction` on `require('domain').Domain`, a class since Node 12,
 * called without `new`: `beginTransaction()` throws "Class constructor Domain cannot be invoked
 * without 'new'" (docs/kurento-protocol.md, transactions). The library has its own fallback for a
 * missing Domain (a plain EventEmitter with `run`); re-parent Transaction onto an equivalent once, so
 * the library's own transaction code runs unchanged. Transactions never relied on domain semantics
 * here: their `enter`/`exit` hooks are only called when the base has them.
 */
function repairTransactions(): void {
  const Transaction = kurento.TransactionsManager.Transaction as unknown as {
    super_: unknown;
    prototype: object;
  };
  if (Transaction.super_ === TransactionBase) return;
  Transaction.super_ = TransactionBase;
  Object.setPrototypeOf(Transaction.prototype, TransactionBase.prototype);
}

function TransactionBase(this: EventEmitter): void {
  EventEmitter.call(this);
}
TransactionBase.prototype = Object.create(EventEmitter.prototype, {
  constructor: { value: TransactionBase, writable: true, configurable: true },
  run: {
    value: function run(this: EventEmitter, fn: () => void) {
      try {
        fn();
      } catch (e) {
        this.emit('error', e);
      }
      return this;
    },
    writable: true,
    configurable: true,
  },
}) as object;

repairTransactions();

/**
 * Several Kurento operations sent as one `transaction` request (one frame, one round trip). Objects
 * created in it can be used by later operations of the same batch (kurento-client sends them as
 * `newref:<i>`). Operations are queued straight on the transaction, so none of them goes through
 * kurento-client's per-call promise chain (which copies every method of the media object onto
 * fresh objects several times per call, see bench/PROFILE.md).
 *
 * The server runs the operations in order and stops at the first failure: that error is `error`;
 * the operations after it answer "Command not executed in the server".
 */
export class KurentoBatch {
  private readonly tx: kurento.Transaction;
  /** The first operation that failed, in the order they were queued. */
  error: kurento.RawError | undefined;

  constructor(client: kurento.KurentoClient) {
    this.tx = client.beginTransaction();
  }

  private readonly note = (e: kurento.RawError | null | undefined): void => {
    if (e && !this.error) this.error = e;
  };

  /** Queues `create`; the returned object gets its id when the batch is answered. */
  create<T extends Raw>(pipeline: kurento.MediaPipeline, type: string, params?: Record<string, unknown>): T {
    const host = pipeline as unknown as { create(tx: kurento.Transaction, t: string, ...rest: unknown[]): T };
    // A copy: kurento-client adds `mediaPipeline` to the params it is given.
    return params ? host.create(this.tx, type, { ...params }, this.note) : host.create(this.tx, type, this.note);
  }

  /** Queues `invoke`; `onValue` gets the operation's return value if it succeeds. */
  invoke(object: Raw, operation: string, params?: Record<string, unknown>, onValue?: (value: unknown) => void): void {
    const request: Record<string, unknown> = { object, operation };
    if (params) request.operationParams = params;
    object.emit(
      '_rpc',
      this.tx,
      'invoke',
      request,
      (e: kurento.RawError | null | undefined, r?: { value?: unknown }) => {
        this.note(e);
        if (!e) onValue?.(r?.value);
      },
    );
  }

  /**
   * Queues `subscribe` for `type` events of `object`. kurento-client's own `on()` would send one more
   * subscribe by itself, so the events are picked up from the object's `emit` instead (see `listen`).
   */
  subscribe(object: Raw, type: string): void {
    object.emit('_rpc', this.tx, 'subscribe', { object, type }, this.note);
  }

  /** Sends the batch; `done` gets the request's own error, else the first operation's error. */
  commit(done: (error: kurento.RawError | null | undefined) => void): void {
    this.tx.commit((e) => done(e ?? this.error));
  }
}

/**
 * Delivers `type` events of `raw` to `listener` without an EventEmitter listener (which would make
 * kurento-client subscribe a second time); paired with `KurentoBatch.subscribe`.
 */
export function listen(raw: Raw, type: string, listener: (data: unknown) => void): void {
  const emit = raw.emit.bind(raw);
  raw.emit = ((event: string | symbol, ...args: unknown[]) => {
    if (event === type) {
      listener(args[0]);
      return true;
    }
    return emit(event, ...args);
  }) as Raw['emit'];
}
