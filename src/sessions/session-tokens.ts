import { OPENVIDU_VERSION } from '../config/public-url.js';
import { tokenSessionId } from './ids.js';
import type { Role } from './session.types.js';

/**
 * `wss://<host:port>?sessionId=<id>&token=<16 chars>&role=<ROLE>&version=2.11.0` (docs/openvidu-api.md §2.3).
 * The id is written so that openvidu-browser's `decodeURI` reads it back unchanged (docs/openvidu-api.md §8.1).
 */
export function tokenString(
  wsBase: string,
  sessionId: string,
  value: string,
  role: Role,
  turn?: { turnUsername: string; turnCredential: string },
): string {
  const base = `${wsBase}?sessionId=${tokenSessionId(sessionId)}&token=${value}&role=${role}&version=${OPENVIDU_VERSION}`;
  // Raw, as the browser reads them with decodeURI (`+` and `/` of the base64 must stay as they are).
  return turn ? `${base}&turnUsername=${turn.turnUsername}&turnCredential=${turn.turnCredential}` : base;
}

/** The 16-character value of a token string (`…?token=<value>&…`), or the string itself. */
export function tokenValue(token: string): string {
  const m = /[?&]token=([^&#]*)/.exec(token);
  if (!m) return token;
  try {
    return decodeURIComponent(m[1]);
  } catch {
    return m[1];
  }
}

/** An admin join's token may carry `secret=`; it must not show up in the session JSON. */
export function stripSecret(token: string): string {
  return token.replace(/([?&])secret=[^&#]*(&?)/, (_m, sep: string, amp: string) => (amp ? sep : ''));
}
