import { randomInt } from 'node:crypto';

const LOWER_ALNUM = 'abcdefghijklmnopqrstuvwxyz0123456789';
const UPPER = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ';

function pick(alphabet: string, length: number): string {
  let out = '';
  for (let i = 0; i < length; i++) out += alphabet[randomInt(alphabet.length)];
  return out;
}

/** sessionId, connectionId and token value: 16 lowercase alphanumerics (docs/openvidu-api.md §2.0). */
export function randomId(): string {
  return pick(LOWER_ALNUM, 16);
}

/** `<connectionId>_<CAMERA|SCREEN|CUSTOM|MICRO>_<5 random uppercase letters>` (docs/openvidu-api.md §2.0). */
export function newStreamId(connectionId: string, hasVideo: boolean, typeOfVideo: string): string {
  return `${connectionId}_${hasVideo ? typeOfVideo || 'CAMERA' : 'MICRO'}_${pick(UPPER, 5)}`;
}

/** The connection that owns a stream: the part before the first `_` (how OpenVidu reads `sender`). */
export function connectionIdOfStream(streamId: string): string {
  const i = streamId.indexOf('_');
  return i < 0 ? streamId : streamId.slice(0, i);
}

const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/** Longest custom session id accepted (it travels in every token, URL and log line). */
export const MAX_SESSION_ID_LENGTH = 512;

/**
 * Why a custom session id cannot be used, or null when it can. openvidu-browser 2.10/2.11 reads the
 * id back from its token with `decodeURI` after splitting the query on `?`, `&` and `=`
 * (docs/openvidu-api.md §8.1): `& = ? #` can never survive that, so such an id would be accepted and
 * then be unjoinable. Control characters and lone surrogates have no place in an id either.
 */
export function sessionIdProblem(id: string): string | null {
  if (id.length > MAX_SESSION_ID_LENGTH) {
    return `Parameter 'customSessionId' is longer than ${MAX_SESSION_ID_LENGTH} characters`;
  }
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/.test(id)) {
    return "Parameter 'customSessionId' cannot contain control characters or line breaks";
  }
  if (LONE_SURROGATE.test(id)) return "Parameter 'customSessionId' cannot contain unpaired surrogates (invalid UTF-16)";
  if (/[&=?#]/.test(id)) {
    return (
      "Parameter 'customSessionId' cannot contain '&', '=', '?' or '#': " +
      'openvidu-browser could not read such an id back from its token'
    );
  }
  return null;
}

/** Characters `decodeURI` never decodes: they must stay raw in the token (the unsafe ones are refused above). */
const RAW_IN_TOKEN = /^[A-Za-z0-9\-_.!~*'();/:@+$,]$/u;

/**
 * The session id as written into a token's query, chosen so that openvidu-browser's
 * `decodeURI(query)` gives back exactly `id`: URL-safe and `decodeURI`-reserved characters stay raw,
 * everything else is percent-encoded as UTF-8. Requires `sessionIdProblem(id) === null`.
 */
export function tokenSessionId(id: string): string {
  let out = '';
  for (const ch of id) out += RAW_IN_TOKEN.test(ch) ? ch : encodeURIComponent(ch);
  return out;
}
