import { ValidateBy, type ValidationOptions } from 'class-validator';
import { BadRequestError } from '../common/errors.js';
import {
  IsOneOf,
  IsPresent,
  IsStringOrNull,
  JsonBody,
  rule,
  validationConfigOf,
  type RuleMessage,
} from '../common/validation/request-rules.js';
import { sessionIdProblem } from './ids.js';
import {
  MEDIA_MODES,
  OUTPUT_MODES,
  RECORDING_LAYOUTS,
  RECORDING_MODES,
  ROLES,
  type KurentoOptions,
  type MediaMode,
  type OutputMode,
  type RecordingLayout,
  type RecordingMode,
  type Role,
  type SessionProperties,
  type TokenOptions,
} from './session.types.js';

/*
 * The bodies of POST /api/sessions and POST /api/tokens, with OpenVidu's exact messages and check
 * order (docs/openvidu-api.md §2.2, §2.3; SessionRestController in 2.11): each rule's first argument
 * is its place in that order. Unknown keys are dropped; JSON nulls read as absent.
 */

export const TYPE_ERROR = 'Type error in some parameter';

type Obj = Record<string, unknown>;

const isObject = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
/** How Java prints the raw value in a message (`null` when absent). */
const raw = (v: unknown) => (v === undefined || v === null ? 'null' : typeof v === 'string' ? v : JSON.stringify(v));

/** Every enum value echoed, whichever one was wrong. */
const enumMessage: RuleMessage = ({ body }) => {
  const b = body as CreateSessionRequest;
  return (
    `RecordingMode ${raw(b.recordingMode)} | Default OutputMode ${raw(b.defaultOutputMode)} | ` +
    `Default RecordingLayout ${raw(b.defaultRecordingLayout)} | MediaMode ${raw(b.mediaMode)}. ` +
    'Some parameter is not defined'
  );
};

/** Not checked by 2.11, which then hands out tokens nobody can join with (docs/compatibility.md). */
function IsJoinableSessionId(options: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'isJoinableSessionId',
      validator: { validate: (v) => typeof v !== 'string' || !v || !sessionIdProblem(v) },
    },
    options,
  );
}

/** §2.2: the body is optional; every field an optional string; enums by exact name. */
@JsonBody({ notObject: TYPE_ERROR })
export class CreateSessionRequest {
  @IsOneOf(MEDIA_MODES, { ...rule(2, enumMessage), emptyIsAbsent: false })
  @IsStringOrNull(rule(1, TYPE_ERROR))
  mediaMode?: MediaMode | null;

  @IsOneOf(RECORDING_MODES, { ...rule(2, enumMessage), emptyIsAbsent: false })
  @IsStringOrNull(rule(1, TYPE_ERROR))
  recordingMode?: RecordingMode | null;

  @IsOneOf(OUTPUT_MODES, { ...rule(2, enumMessage), emptyIsAbsent: false })
  @IsStringOrNull(rule(1, TYPE_ERROR))
  defaultOutputMode?: OutputMode | null;

  @IsOneOf(RECORDING_LAYOUTS, { ...rule(2, enumMessage), emptyIsAbsent: false })
  @IsStringOrNull(rule(1, TYPE_ERROR))
  defaultRecordingLayout?: RecordingLayout | null;

  @IsStringOrNull(rule(1, TYPE_ERROR))
  defaultCustomLayout?: string | null;

  @IsJoinableSessionId(rule(3, ({ value }) => sessionIdProblem(value as string) ?? ''))
  @IsStringOrNull(rule(1, TYPE_ERROR))
  customSessionId?: string | null;
}

const SESSION_KEYS = [
  'mediaMode',
  'recordingMode',
  'defaultOutputMode',
  'defaultRecordingLayout',
  'defaultCustomLayout',
  'customSessionId',
] as const;

/** The properties a validated request sets (absent and null ones are left to the defaults). */
export function sessionPropertiesOf(req: CreateSessionRequest): Partial<SessionProperties> {
  const out: Record<string, string> = {};
  for (const k of SESSION_KEYS) {
    const v = req[k];
    if (typeof v === 'string') out[k] = v;
  }
  return out;
}

// ---- POST /api/tokens ----

const BANDWIDTHS = ['videoMaxRecvBandwidth', 'videoMinRecvBandwidth', 'videoMaxSendBandwidth', 'videoMinSendBandwidth'];
const MAX_FILTER_NAME = 256;

type KurentoRead = { ok: true; options: KurentoOptions } | { ok: false; problem: string };

/**
 * KurentoTokenOptions as 2.11 reads it: Gson's getAsInt accepts numbers (truncated) and numeric
 * strings, anything else is a type error; filter names are kept once each, in order, with our
 * bounds on their length and number checked as they are read.
 */
export function readKurentoOptions(o: Obj, maxFilters = Infinity): KurentoRead {
  const typeError: KurentoRead = { ok: false, problem: "Type error in some parameter of 'kurentoOptions'" };
  const out: Record<string, unknown> = {};
  for (const key of BANDWIDTHS) {
    if (!(key in o)) continue;
    const v = o[key];
    let n: number;
    if (typeof v === 'number') n = Math.trunc(v);
    else if (typeof v === 'string' && /^\s*[+-]?\d+\s*$/.test(v)) n = Number(v);
    else return typeError;
    if (!Number.isSafeInteger(n) || n > 2147483647 || n < -2147483648) return typeError;
    out[key] = n;
  }
  if ('allowedFilters' in o) {
    const f = o.allowedFilters;
    if (!Array.isArray(f)) return typeError;
    // A Set keeps the first occurrence in order, in linear time whatever the request's size.
    const filters = new Set<string>();
    for (const item of f) {
      if (typeof item !== 'string' && typeof item !== 'number' && typeof item !== 'boolean') return typeError;
      const name = String(item);
      if (name.length > MAX_FILTER_NAME) {
        return {
          ok: false,
          problem: `Error in parameter 'kurentoOptions'. A filter name is longer than ${MAX_FILTER_NAME} characters`,
        };
      }
      filters.add(name);
      if (filters.size > maxFilters) {
        return {
          ok: false,
          problem: `Error in parameter 'kurentoOptions'. 'allowedFilters' has more than ${maxFilters} distinct names`,
        };
      }
    }
    out.allowedFilters = [...filters];
  }
  return { ok: true, options: out };
}

const maxFiltersFor = (body: object) => validationConfigOf(body)?.['openvidu.sessions.max-allowed-filters'] ?? Infinity;
const maxDataFor = (body: object) => validationConfigOf(body)?.['openvidu.sessions.max-metadata-length'] ?? Infinity;

/** A JSON object, or absent/null. */
function IsObjectOrNull(options: ValidationOptions): PropertyDecorator {
  return ValidateBy({ name: 'isObjectOrNull', validator: { validate: (v) => v == null || isObject(v) } }, options);
}

/** The content of `kurentoOptions`, read as `readKurentoOptions` does (an object that is not one is another rule's). */
function IsKurentoOptions(options: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'isKurentoOptions',
      validator: { validate: (v, args) => !isObject(v) || readKurentoOptions(v, maxFiltersFor(args!.object)).ok },
    },
    options,
  );
}

const kurentoProblem: RuleMessage = ({ value, body }) => {
  const read = readKurentoOptions(value as Obj, maxFiltersFor(body));
  return read.ok ? '' : read.problem;
};

/** `openvidu.sessions.max-metadata-length`: the token's `data` reaches every participant. */
function IsWithinMetadataLimit(options: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'isWithinMetadataLimit',
      validator: { validate: (v, args) => typeof v !== 'string' || v.length <= maxDataFor(args!.object) },
    },
    options,
  );
}

/** §2.3, rules in the order SessionRestController#newToken runs them; then our size limits. */
@JsonBody({ missing: 'Error in body parameters. Cannot be empty', notObject: TYPE_ERROR })
export class TokenRequest {
  @IsPresent(rule(2, '"session" parameter is mandatory'))
  @IsStringOrNull(rule(1, TYPE_ERROR))
  session!: string;

  @IsOneOf(ROLES, {
    ...rule(4, ({ value }) => `Parameter role ${value as string} is not defined`),
    emptyIsAbsent: false,
  })
  @IsStringOrNull(rule(1, TYPE_ERROR))
  role?: Role | null;

  @IsWithinMetadataLimit(rule(6, ({ body }) => `Parameter 'data' is longer than ${maxDataFor(body)} characters`))
  @IsStringOrNull(rule(1, TYPE_ERROR))
  data?: string | null;

  @IsKurentoOptions(rule(5, kurentoProblem))
  @IsObjectOrNull(rule(3, "Error in parameter 'kurentoOptions'. It is not a valid JSON object"))
  kurentoOptions?: Obj | null;
}

/** What a validated token request asks for, with OpenVidu's defaults. */
export function tokenOptionsOf(req: TokenRequest): TokenOptions {
  const options: TokenOptions = { role: req.role ?? 'PUBLISHER', data: req.data ?? '' };
  if (req.kurentoOptions) {
    const read = readKurentoOptions(req.kurentoOptions);
    if (read.ok) options.kurentoOptions = read.options;
  }
  return options;
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
