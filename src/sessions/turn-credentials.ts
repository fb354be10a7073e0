import { createHmac } from 'node:crypto';
import { randomId } from './ids.js';

export interface TurnCredentials {
  turnUsername: string;
  turnCredential: string;
}

/**
 * Time-limited TURN credentials of the "TURN REST API" scheme that coturn verifies with
 * `use-auth-secret` + `static-auth-secret=<secret>`: username `<unix expiry>:<label>`, credential
 * base64(HMAC-SHA1(secret, username)). coturn recomputes the credential from the username, so no
 * database is shared; an expired username is refused by coturn itself.
 */
export function turnCredentials(secret: string, lifetimeSeconds: number, now = Date.now()): TurnCredentials {
  const expiry = Math.floor(now / 1000) + lifetimeSeconds;
  const turnUsername = `${expiry}:${randomId()}`;
  const turnCredential = createHmac('sha1', secret).update(turnUsername).digest('base64');
  return { turnUsername, turnCredential };
}
