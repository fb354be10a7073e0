// JSON-RPC handling for one request, following KMS's ServerMethods: session injection and binding, the
// method set, and the exact error shapes. Handlers are synchronous except where KMS blocks (getUsedCpu
// with an interval, stopAndWait), which return a Promise and so hold the socket's queue.
import { ErrorCode, KmsError, type JsonRpcErrorBody } from './errors.js';
import type { Faults } from './faults.js';
import type { BoundConn, SessionRegistry } from './session-registry.js';
import { isObject, topString, uuid, type Params } from './util.js';

type Result = Record<string, unknown>;
type Outcome = Result | Promise<Result>;

const PARSE_ERROR = '{"id":null,"jsonrpc":"2.0","error":{"code":-32700,"message":"Parse error."}}';
const INVALID_REQUEST = '{"id":null,"jsonrpc":"2.0","error":{"code":-32600,"message":"Invalid JSON-RPC request."}}';

export function resultFrame(id: unknown, result: unknown): string {
  return `{"id":${JSON.stringify(id ?? null)},"jsonrpc":"2.0","result":${JSON.stringify(result)}}`;
}

export function errorFrame(id: unknown, error: JsonRpcErrorBody): string {
  return `{"id":${JSON.stringify(id ?? null)},"jsonrpc":"2.0","error":${JSON.stringify(error)}}`;
}

function asKmsError(e: unknown): KmsError {
  if (e instanceof KmsError) return e;
  const msg = e instanceof Error ? e.message : String(e);
  return new KmsError(ErrorCode.INTERNAL_ERROR, `Unexpected error while processing method: ${msg}`, undefined);
}

function requireParams(params: unknown): Params {
  if (params === undefined || params === null) {
    throw new KmsError(ErrorCode.INVALID_PARAMS, "'params' is required", 'INVALID_PARAMS');
  }
  return isObject(params) ? params : {};
}

/** KMS's getOrCreateSessionId: the request's sessionId, or a fresh one. */
function sessionOf(p: Params): string {
  const s = p.sessionId;
  return typeof s === 'string' ? s : typeof s === 'number' ? String(s) : uuid();
}

export class Dispatcher {
  constructor(
    private readonly reg: SessionRegistry,
    private readonly faults: Faults,
    private readonly serverId: () => string,
  ) {}

  /** Returns the frame to send back (undefined only for unparseable ids); may be async. */
  handle(conn: BoundConn, text: string): string | Promise<string> {
    let msg: unknown;
    try {
      msg = JSON.parse(text);
    } catch {
      return PARSE_ERROR;
    }
    if (!isObject(msg) || msg.jsonrpc !== '2.0' || typeof msg.method !== 'string') return INVALID_REQUEST;
    const id = msg.id;
    if (typeof id === 'object' && id !== null) return INVALID_REQUEST;
    const isCall = id !== undefined && id !== null;
    const method = msg.method;
    let params = msg.params;
    // Requests without a sessionId run in the session the socket is bound to.
    const bound = conn.boundSession;
    if (bound !== undefined) {
      if (params === undefined || params === null) params = { sessionId: bound };
      else if (isObject(params) && params.sessionId === undefined) params.sessionId = bound;
    }
    const injected = this.faults.take(method, isObject(params) && method === 'invoke' ? params.operation : undefined);
    if (injected) return errorFrame(id, injected.toJson());
    let out: Outcome;
    try {
      out = this.call(method, params);
    } catch (e) {
      return errorFrame(id, asKmsError(e).toJson());
    }
    if (out instanceof Promise) {
      return out.then(
        (r) => this.finish(conn, id, isCall, r),
        (e: unknown) => errorFrame(id, asKmsError(e).toJson()),
      );
    }
    return this.finish(conn, id, isCall, out);
  }

  private finish(conn: BoundConn, id: unknown, isCall: boolean, result: Result): string {
    if (!isCall) {
      // KMS's handler refuses to return a result to a notification, and says so in an error with a null id.
      return errorFrame(null, {
        code: ErrorCode.SERVER_ERROR_INIT,
        message: 'Ignoring response because of a notification request',
        data: result,
      });
    }
    // The socket follows the session of its latest successful response (WebSocketTransport::storeConnection).
    if (typeof result.sessionId === 'string') this.reg.bind(result.sessionId, conn);
    return resultFrame(id, result);
  }

  call(method: string, params: unknown): Outcome {
    switch (method) {
      case 'ping':
        return isObject(params) && typeof params.sessionId === 'string'
          ? { sessionId: params.sessionId, value: 'pong' }
          : { value: 'pong' };
      case 'connect':
        return this.connect(params);
      case 'describe':
        return this.describe(requireParams(params));
      case 'create': {
        const p = requireParams(params);
        const type = topString(p, 'type');
        const sessionId = sessionOf(p);
        return { sessionId, value: this.reg.create(type, p.constructorParams, sessionId).id };
      }
      case 'invoke':
        return this.invoke(requireParams(params));
      case 'subscribe':
        return this.subscribe(requireParams(params));
      case 'unsubscribe': {
        const p = requireParams(params);
        topString(p, 'object');
        const subscription = topString(p, 'subscription');
        const sessionId = topString(p, 'sessionId');
        this.reg.events.unsubscribe(subscription);
        return { sessionId };
      }
      case 'release': {
        const p = requireParams(params);
        const objectId = topString(p, 'object');
        const sessionId = sessionOf(p);
        this.reg.release(objectId);
        return { sessionId };
      }
      case 'keepAlive': {
        const sessionId = topString(requireParams(params), 'sessionId');
        if (!this.reg.isKnown(sessionId)) throw new KmsError(ErrorCode.INVALID_SESSION, 'Invalid session');
        return { sessionId };
      }
      case 'ref':
      case 'unref': {
        const p = requireParams(params);
        const objectId = topString(p, 'object');
        const sessionId = topString(p, 'sessionId');
        if (method === 'ref') this.reg.ref(sessionId, this.reg.resolve(objectId));
        else this.reg.unref(sessionId, objectId);
        return { sessionId };
      }
      case 'closeSession': {
        const p = requireParams(params);
        const sessionId = topString(p, 'sessionId');
        this.reg.closeSession(sessionId, p.release === true);
        return { sessionId };
      }
      case 'transaction':
        return this.transaction(requireParams(params));
      default:
        throw new KmsError(ErrorCode.METHOD_NOT_FOUND, 'Method not found.', undefined);
    }
  }

  private connect(params: unknown): Result {
    let sessionId: string;
    if (params === undefined || params === null || !isObject(params) || params.sessionId === undefined) {
      sessionId = uuid();
    } else {
      sessionId = sessionOf(params);
      // Only sessions that have used an object exist (MediaSet::keepAliveSession); a restarted KMS knows none.
      if (!this.reg.isKnown(sessionId)) throw new KmsError(ErrorCode.INVALID_SESSION, 'Invalid session');
    }
    return { serverId: this.serverId(), sessionId };
  }

  private describe(p: Params): Result {
    const sessionId = sessionOf(p);
    const obj = this.reg.resolve(topString(p, 'object'));
    this.reg.ref(sessionId, obj);
    return { hierarchy: obj.info.hierarchy, qualifiedType: obj.info.qualifiedType, sessionId, type: obj.type };
  }

  private invoke(p: Params): Outcome {
    const operation = topString(p, 'operation');
    const objectId = topString(p, 'object');
    const sessionId = sessionOf(p);
    const obj = this.reg.resolve(objectId);
    this.reg.ref(sessionId, obj);
    const value = obj.invoke(operation, p.operationParams);
    if (value instanceof Promise) return value.then((v: unknown) => ({ sessionId, value: v ?? null }));
    return { sessionId, value: value ?? null };
  }

  private subscribe(p: Params): Result {
    const type = topString(p, 'type');
    const objectId = topString(p, 'object');
    const sessionId = sessionOf(p);
    const obj = this.reg.resolve(objectId);
    this.reg.ref(sessionId, obj);
    if (!obj.info.events.has(type)) {
      throw new KmsError(ErrorCode.MEDIA_OBJECT_EVENT_NOT_SUPPORTED, `Event '${type}' not supported`);
    }
    return { sessionId, value: this.reg.events.subscribe(sessionId, obj.id, type) };
  }

  /** Runs operations in order within one session, resolving "newref:<i>" to earlier results; stops at an error. */
  private async transaction(p: Params): Promise<Result> {
    const sessionId = sessionOf(p);
    const ops = p.operations;
    if (!Array.isArray(ops)) {
      throw new KmsError(ErrorCode.SERVER_ERROR_INIT, "'operations' parameter should be an array", undefined);
    }
    const responses: Result[] = [];
    for (let i = 0; i < ops.length; i++) {
      const op: unknown = ops[i];
      if (!isObject(op) || op.id !== i) {
        throw new KmsError(ErrorCode.MALFORMED_TRANSACTION, `Id of request '${i}' should be '${i}'`);
      }
      // KMS gives an operation the transaction's session only when it names none itself.
      const params: Params = { sessionId, ...(isObject(op.params) ? op.params : {}) };
      try {
        // An armed failure hits the operation inside a transaction as it would a lone request.
        const injected = this.faults.take(String(op.method), op.method === 'invoke' ? params.operation : undefined);
        if (injected) throw injected;
        const r = await this.call(String(op.method), resolveRefs(params, responses));
        responses.push({ id: i, jsonrpc: '2.0', result: r });
      } catch (e) {
        responses.push({ id: i, jsonrpc: '2.0', error: asKmsError(e).toJson() });
        break;
      }
    }
    return { sessionId, value: responses };
  }
}

function resolveRefs<T>(v: T, responses: Result[]): T {
  if (typeof v === 'string' && v.startsWith('newref:') && v.length > 7) {
    const index = Number(v.slice(7));
    const r = Number.isInteger(index) ? responses[index]?.result : undefined;
    if (!isObject(r)) {
      throw new KmsError(
        ErrorCode.MALFORMED_TRANSACTION,
        Number.isInteger(index) ? `Result not found on request ${index}` : `Invalid index of newref '${v.slice(7)}'`,
      );
    }
    return r.value as T;
  }
  if (Array.isArray(v)) return v.map((x: unknown) => resolveRefs(x, responses)) as T;
  if (isObject(v)) {
    const out: Params = {};
    for (const [k, x] of Object.entries(v)) out[k] = resolveRefs(x, responses);
    return out as T;
  }
  return v;
}
