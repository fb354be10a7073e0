// A stand-in for kurento-client for the element adapters' unit specs: it records every request the
// adapters send (one list per transaction) and answers from a script, or not at all.
import { EventEmitter } from 'node:events';
import type kurento from 'kurento-client';
import type { KurentoClientFactory } from '../kurento/kurento-connection.js';

export interface SentOp {
  method: 'create' | 'invoke' | 'subscribe' | 'unsubscribe' | 'release' | 'connect' | 'disconnect';
  /** Id of the object the request is about (for `create`: the pipeline, or '' for a pipeline). */
  object: string;
  type?: string;
  operation?: string;
  params?: Record<string, unknown>;
  /** The object a `create` makes (its id is set once answered). */
  created?: FakeObject;
}

/** What the fake server answers to one operation: a value, an error, or silence. */
export type Answer = { value?: unknown; error?: kurento.RawError } | 'silent';

const ok: Answer = { value: undefined };

export class FakeTransaction extends EventEmitter {
  readonly ops: Array<{ op: SentOp; cb: kurento.Callback<unknown> }> = [];

  constructor(private readonly client: FakeKurentoClient) {
    super();
  }

  commit(done: kurento.Callback<unknown>): void {
    this.client.transactions.push(this.ops.map((o) => o.op));
    this.client.dispatch(() => this.deliver(done));
  }

  /** Answers every operation, or nothing while the script keeps one of them silent. */
  private deliver(done: kurento.Callback<unknown>): boolean {
    const answers = this.ops.map((o) => this.client.answer(o.op));
    if (answers.includes('silent')) return false;
    // KMS stops at the first failure; later operations are not executed.
    let failed = false;
    for (const [i, { op, cb }] of this.ops.entries()) {
      const a = answers[i] as Exclude<Answer, 'silent'>;
      if (failed) {
        cb(Object.assign(new Error('Command not executed in the server'), { code: 40100 }), undefined);
      } else if (a.error) {
        failed = true;
        cb(a.error, undefined);
      } else {
        if (op.created) op.created.id = this.client.idFor(op);
        cb(null, op.method === 'invoke' || op.method === 'subscribe' ? { value: a.value } : op.created);
      }
    }
    done(null, undefined);
    return true;
  }
}

/** A media object: `_rpc` requests and `create` calls are the fake server's. */
export class FakeObject extends EventEmitter {
  id: string;

  constructor(
    private readonly client: FakeKurentoClient,
    id = '',
  ) {
    super();
    this.id = id;
    this.on(
      '_rpc',
      (tx: FakeTransaction | undefined, method: SentOp['method'], params: Record<string, unknown>, cb) => {
        const op: SentOp = { method, object: this.id };
        if (method === 'invoke') {
          op.operation = String(params.operation);
          op.params = params.operationParams as Record<string, unknown> | undefined;
        } else if (method === 'subscribe') op.type = String(params.type);
        else op.params = params;
        this.client.send(tx, op, cb as kurento.Callback<unknown>);
      },
    );
  }

  /** `create(type, [params], cb)`, or within a transaction `create(tx, type, [params], cb)`. */
  create(...args: unknown[]): FakeObject {
    const tx = args[0] instanceof FakeTransaction ? (args.shift() as FakeTransaction) : undefined;
    const type = args.shift() as string;
    const cb = args.pop() as kurento.Callback<unknown>;
    const params = args[0] as Record<string, unknown> | undefined;
    const created = new FakeObject(this.client);
    this.client.send(tx, { method: 'create', object: this.id, type, params, created }, cb);
    return created;
  }

  createHubPort(cb: kurento.Callback<unknown>): FakeObject {
    return this.create('HubPort', cb);
  }

  release(cb: kurento.Callback<void>): void {
    this.client.send(undefined, { method: 'release', object: this.id }, cb as kurento.Callback<unknown>);
  }

  connect(sink: FakeObject, ...rest: unknown[]): void {
    const cb = rest.pop() as kurento.Callback<unknown>;
    this.client.send(undefined, { method: 'connect', object: this.id, params: { sink: sink.id, kind: rest[0] } }, cb);
  }

  disconnect(sink: FakeObject, ...rest: unknown[]): void {
    const cb = rest.pop() as kurento.Callback<unknown>;
    this.client.send(
      undefined,
      { method: 'disconnect', object: this.id, params: { sink: sink.id, kind: rest[0] } },
      cb,
    );
  }
}

class FakeReconnector extends EventEmitter {
  connected = true;
  reconnect = true;
  resets = 0;
  disconnects = 0;
  reset(): void {
    this.resets++;
  }
  disconnect(): void {
    this.disconnects++;
  }
}

export class FakeKurentoClient extends EventEmitter {
  readonly _re = new FakeReconnector();
  /** Requests sent outside a transaction, in order. */
  readonly sent: SentOp[] = [];
  /** The operations of each committed transaction. */
  readonly transactions: SentOp[][] = [];
  closed = 0;
  /** Decides the answer of each operation; the default answers every one successfully. */
  script: (op: SentOp) => Answer = (op) =>
    op.method === 'invoke' && op.operation === 'processOffer' ? { value: 'v=0 answer' } : ok;
  private seq = 0;
  private readonly held: Array<() => boolean> = [];
  private readonly manager = new FakeObject(this, 'manager_ServerManager');

  answer(op: SentOp): Answer {
    return this.script(op);
  }

  idFor(op: SentOp): string {
    const n = ++this.seq;
    return op.object ? `${op.object}/${n}_kurento.${op.type}` : `${n}_kurento.${op.type}`;
  }

  send(tx: FakeTransaction | undefined, op: SentOp, cb: kurento.Callback<unknown>): void {
    if (tx) {
      tx.ops.push({ op, cb });
      return;
    }
    this.sent.push(op);
    this.dispatch(() => {
      const a = this.answer(op);
      if (a === 'silent') return false;
      if (a.error) {
        cb(a.error, undefined);
      } else {
        if (op.created) op.created.id = this.idFor(op);
        cb(null, op.created ?? (op.method === 'invoke' || op.method === 'subscribe' ? { value: a.value } : a.value));
      }
      return true;
    });
  }

  /** Runs `deliver` after the caller's turn; one the script keeps silent waits for `answerHeld()`. */
  dispatch(deliver: () => boolean): void {
    queueMicrotask(() => {
      if (!deliver()) this.held.push(deliver);
    });
  }

  /** The server answers, late, what it kept silent (as the script now says). */
  answerHeld(): void {
    for (const deliver of this.held.splice(0)) if (!deliver()) this.held.push(deliver);
  }

  create(type: string, cb: kurento.Callback<unknown>): FakeObject {
    const created = new FakeObject(this);
    this.send(undefined, { method: 'create', object: '', type, created }, cb);
    return created;
  }

  getServerManager(cb: kurento.Callback<unknown>): void {
    queueMicrotask(() => cb(null, this.manager));
  }

  beginTransaction(): FakeTransaction {
    return new FakeTransaction(this);
  }

  close(): void {
    this.closed++;
  }
}

/** A client factory that hands out fake clients and remembers them. */
export function fakeClientFactory(): { factory: KurentoClientFactory; clients: FakeKurentoClient[] } {
  const clients: FakeKurentoClient[] = [];
  const factory: KurentoClientFactory = () => {
    const c = new FakeKurentoClient();
    clients.push(c);
    return c as unknown as kurento.KurentoClient;
  };
  return { factory, clients };
}
