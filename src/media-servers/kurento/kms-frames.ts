/**
 * Shape checks on what a media server sends before kurento-client reads it: the client trusts every
 * frame, and a malformed one (a null `result`, an `onEvent` without params) throws inside its socket
 * handler, where nothing can catch it. A frame that fails is dropped, or, when it carries a request
 * id, replaced by an error answer so the call fails at once instead of waiting for its timeout.
 */
export type FrameVerdict = { ok: true } | { ok: false; reason: string; replacement?: string };

/** JSON-RPC "internal error": what a malformed answer turns into. */
export const MALFORMED_ANSWER = -32603;

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

export function checkKmsFrame(text: string): FrameVerdict {
  let msg: unknown;
  try {
    msg = JSON.parse(text);
  } catch {
    return { ok: false, reason: 'not JSON' };
  }
  if (!isObject(msg)) return { ok: false, reason: 'not a JSON object' };
  if (msg.jsonrpc !== '2.0') return { ok: false, reason: 'not JSON-RPC 2.0' };
  if (msg.method !== undefined) return checkNotification(msg);
  const id = msg.id;
  if (typeof id !== 'number' && typeof id !== 'string') return { ok: false, reason: 'an answer without a valid id' };
  const fail = (reason: string): FrameVerdict => ({
    ok: false,
    reason,
    replacement: JSON.stringify({
      jsonrpc: '2.0',
      id,
      error: { code: MALFORMED_ANSWER, message: `Malformed answer from the media server: ${reason}` },
    }),
  });
  const hasResult = msg.result !== undefined;
  const hasError = msg.error !== undefined;
  if (hasResult === hasError) return fail('an answer needs exactly one of result and error');
  if (hasError) {
    const e = msg.error;
    if (!isObject(e)) return fail('error is not an object');
    if (e.code !== undefined && typeof e.code !== 'number') return fail('error.code is not a number');
    if (e.message !== undefined && typeof e.message !== 'string') return fail('error.message is not a string');
    if (e.data !== undefined && e.data !== null && !isObject(e.data)) return fail('error.data is not an object');
    return { ok: true };
  }
  const r = msg.result;
  if (!isObject(r)) return fail('result is not an object');
  if (r.sessionId !== undefined && typeof r.sessionId !== 'string') return fail('result.sessionId is not a string');
  return { ok: true };
}

function checkNotification(msg: Record<string, unknown>): FrameVerdict {
  // KMS sends one kind of request to its clients: onEvent {value: {object, type, data}}.
  if (msg.method !== 'onEvent') return { ok: false, reason: 'a request other than onEvent' };
  if (msg.id !== undefined) return { ok: false, reason: 'onEvent with an id' };
  const p = msg.params;
  if (!isObject(p) || !isObject(p.value)) return { ok: false, reason: 'onEvent without params.value' };
  const v = p.value;
  if (typeof v.object !== 'string' || typeof v.type !== 'string') {
    return { ok: false, reason: 'onEvent without a string object and type' };
  }
  // kurento-client emits the type on the object as is: `error`, `release` or `_rpc` would reach its
  // own machinery. Kurento event names are PascalCase words (IceCandidateFound, CodeFound…).
  if (!/^[A-Z][A-Za-z0-9]{0,127}$/.test(v.type)) return { ok: false, reason: 'onEvent with an invalid type' };
  if (v.data !== undefined && !isObject(v.data)) return { ok: false, reason: 'onEvent data is not an object' };
  return { ok: true };
}
