import { BadRequestError } from '../common/errors.js';
import { sessionIdProblem } from './ids.js';
import {
  MEDIA_MODES,
  OUTPUT_MODES,
  RECORDING_LAYOUTS,
  RECORDING_MODES,
  ROLES,
  type KurentoOptions,
  type Role,
  type SessionProperties,
  type TokenOptions,
} from './session.types.js';

/*
 * Request parsing for POST /api/sessions and POST /api/tokens. Written by hand rather than with
 * class-validator because the wire contract is OpenVidu's exact messages and check order
 * (docs/openvidu-api.md §2.2, §2.3; SessionRestController in 2.11), which decorators cannot reproduce: the
 * first failing check wins, enum errors echo every raw value, and unknown keys are ignored.
 */

type Obj = Record<string, unknown>;

const isObject = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const isStringOrAbsent = (v: unknown) => v === undefined || v === null || typeof v === 'string';
/** How Java prints the raw value in a message (`null` when absent). */
const raw = (v: unknown) => (v === undefined || v === null ? 'null' : typeof v === 'string' ? v : JSON.stringify(v));

const SESSION_KEYS = [
  'mediaMode',
  'recordingMode',
  'defaultOutputMode',
  'defaultRecordingLayout',
  'defaultCustomLayout',
  'customSessionId',
] as const;

/** §2.2: the body is optional; every field an optional string; enums by exact name. */
export function parseCreateSession(body: unknown): Partial<SessionProperties> {
  if (body === undefined || body === null) return {};
  if (!isObject(body)) throw new BadRequestError('Type error in some parameter');
  if (!SESSION_KEYS.every((k) => isStringOrAbsent(body[k]))) {
    throw new BadRequestError('Type error in some parameter');
  }
  const str = (k: (typeof SESSION_KEYS)[number]) => (typeof body[k] === 'string' ? body[k] : undefined);
  const enumOk = (v: string | undefined, values: readonly string[]) => v === undefined || values.includes(v);
  if (
    !enumOk(str('recordingMode'), RECORDING_MODES) ||
    !enumOk(str('defaultOutputMode'), OUTPUT_MODES) ||
    !enumOk(str('defaultRecordingLayout'), RECORDING_LAYOUTS) ||
    !enumOk(str('mediaMode'), MEDIA_MODES)
  ) {
    throw new BadRequestError(
      `RecordingMode ${raw(body.recordingMode)} | Default OutputMode ${raw(body.defaultOutputMode)} | ` +
        `Default RecordingLayout ${raw(body.defaultRecordingLayout)} | MediaMode ${raw(body.mediaMode)}. ` +
        'Some parameter is not defined',
    );
  }
  // Not checked by 2.11, which then hands out tokens nobody can join with (docs/compatibility.md).
  const custom = str('customSessionId');
  const problem = custom ? sessionIdProblem(custom) : null;
  if (problem) throw new BadRequestError(problem);
  const out: Partial<SessionProperties> = {};
  for (const k of SESSION_KEYS) {
    const v = str(k);
    if (v !== undefined) (out as Record<string, string>)[k] = v;
  }
  return out;
}

export interface TokenRequest {
  sessionId: string;
  options: TokenOptions;
}

export interface TokenLimits {
  /** `openvidu.sessions.max-metadata-length`: the token's `data` reaches every participant. */
  maxDataLength: number;
  /** `openvidu.sessions.max-allowed-filters`. */
  maxAllowedFilters: number;
}

const NO_LIMITS: TokenLimits = { maxDataLength: Infinity, maxAllowedFilters: Infinity };

/** §2.3, checks in the order SessionRestController#newToken runs them; then our size limits. */
export function parseTokenRequest(body: unknown, limits: TokenLimits = NO_LIMITS): TokenRequest {
  if (body === undefined || body === null) throw new BadRequestError('Error in body parameters. Cannot be empty');
  if (!isObject(body)) throw new BadRequestError('Type error in some parameter');
  const { session, role, data, kurentoOptions } = body;
  if (!isStringOrAbsent(session) || !isStringOrAbsent(role) || !isStringOrAbsent(data)) {
    throw new BadRequestError('Type error in some parameter');
  }
  if (typeof session !== 'string') throw new BadRequestError('"session" parameter is mandatory');
  const hasKurento = kurentoOptions !== undefined && kurentoOptions !== null;
  if (hasKurento && !isObject(kurentoOptions)) {
    throw new BadRequestError("Error in parameter 'kurentoOptions'. It is not a valid JSON object");
  }
  if (typeof role === 'string' && !(ROLES as readonly string[]).includes(role)) {
    throw new BadRequestError(`Parameter role ${role} is not defined`);
  }
  const options: TokenOptions = {
    role: (typeof role === 'string' ? role : 'PUBLISHER') as Role,
    data: typeof data === 'string' ? data : '',
  };
  if (hasKurento) options.kurentoOptions = parseKurentoOptions(kurentoOptions, limits.maxAllowedFilters);
  if (options.data.length > limits.maxDataLength) {
    throw new BadRequestError(`Parameter 'data' is longer than ${limits.maxDataLength} characters`);
  }
  return { sessionId: session, options };
}

const BANDWIDTHS = ['videoMaxRecvBandwidth', 'videoMinRecvBandwidth', 'videoMaxSendBandwidth', 'videoMinSendBandwidth'];

/** KurentoTokenOptions: Gson's getAsInt accepts numbers and numeric strings; anything else is a type error. */
function parseKurentoOptions(o: Obj, maxFilters: number): KurentoOptions {
  const typeError = () => new BadRequestError("Type error in some parameter of 'kurentoOptions'");
  const out: Record<string, unknown> = {};
  for (const key of BANDWIDTHS) {
    if (!(key in o)) continue;
    const v = o[key];
    let n: number;
    if (typeof v === 'number') n = Math.trunc(v);
    else if (typeof v === 'string' && /^\s*[+-]?\d+\s*$/.test(v)) n = Number(v);
    else throw typeError();
    if (!Number.isSafeInteger(n) || n > 2147483647 || n < -2147483648) throw typeError();
    out[key] = n;
  }
  if ('allowedFilters' in o) {
    const f = o.allowedFilters;
    if (!Array.isArray(f)) throw typeError();
    // A Set keeps the first occurrence in order, in linear time whatever the request's size.
    const filters = new Set<string>();
    for (const item of f) {
      if (typeof item !== 'string' && typeof item !== 'number' && typeof item !== 'boolean') throw typeError();
      const name = String(item);
      if (name.length > 256) {
        throw new BadRequestError("Error in parameter 'kurentoOptions'. A filter name is longer than 256 characters");
      }
      filters.add(name);
      if (filters.size > maxFilters) {
        throw new BadRequestError(
          `Error in parameter 'kurentoOptions'. 'allowedFilters' has more than ${maxFilters} distinct names`,
        );
      }
    }
    out.allowedFilters = [...filters];
  }
  return out;
}

/** The reply's `kurentoOptions`: only what was set, `allowedFilters` only if non-empty (docs/openvidu-api.md §2.3). */
export function kurentoOptionsJson(k: KurentoOptions): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const key of BANDWIDTHS) {
    const v = (k as Record<string, unknown>)[key];
    if (v !== undefined) out[key] = v;
  }
  if (k.allowedFilters?.length) out.allowedFilters = [...k.allowedFilters];
  return out;
}

/** Spring's String→boolean conversion for `?webRtcStats=` (true/on/yes/1, false/off/no/0, empty). */
export function parseBooleanParam(name: string, value: unknown): boolean {
  if (value === undefined || value === '') return false;
  const v = typeof value === 'string' ? value.trim().toLowerCase() : '';
  if (['true', 'on', 'yes', '1'].includes(v)) return true;
  if (['false', 'off', 'no', '0'].includes(v)) return false;
  throw new BadRequestError(`Parameter '${name}' must be a boolean, got '${raw(value)}'`);
}
