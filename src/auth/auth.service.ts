import { Inject, Injectable } from '@nestjs/common';
import { createHash, timingSafeEqual } from 'node:crypto';
import type { Request, Response } from 'express';
import { errorBody } from '../common/error-body.js';
import { OpenViduConfigService } from '../config/config.service.js';

export const OPENVIDU_USER = 'OPENVIDUAPP';

/**
 * Checks `Authorization: Basic base64(OPENVIDUAPP:<secret>)` against the secret in force right now,
 * so a secret applied by /pro/restart is enforced from the next request on.
 */
@Injectable()
export class AuthService {
  constructor(@Inject(OpenViduConfigService) private readonly config: OpenViduConfigService) {}

  isAuthorized(req: Pick<Request, 'headers'>): boolean {
    const header = req.headers.authorization;
    if (typeof header !== 'string') return false;
    const m = /^Basic\s+([A-Za-z0-9+/]+={0,2})\s*$/i.exec(header);
    if (!m) return false;
    const raw = Buffer.from(m[1], 'base64');
    // Node's decoder silently skips junk (e.g. text after '='); only canonical base64 is accepted.
    const canonical = raw.toString('base64');
    if (m[1] !== canonical && m[1] !== canonical.replace(/=+$/, '')) return false;
    return this.checkCredentials(raw.toString('utf8'));
  }

  /** `user:password` in constant time (both sides hashed first so lengths do not leak). */
  checkCredentials(userColonPassword: string): boolean {
    return safeEqual(userColonPassword, `${OPENVIDU_USER}:${this.config.get('openvidu.secret')}`);
  }

  /** The admin join of signalling passes the bare secret. */
  checkSecret(secret: string): boolean {
    return safeEqual(secret, this.config.get('openvidu.secret'));
  }

  sendUnauthorized(res: Response, path: string): void {
    res.setHeader('WWW-Authenticate', 'Basic realm="OpenVidu"');
    res.status(401).json(errorBody(401, 'Unauthorized', path));
  }
}

export function safeEqual(a: string, b: string): boolean {
  const ha = createHash('sha256').update(a).digest();
  const hb = createHash('sha256').update(b).digest();
  return timingSafeEqual(ha, hb);
}
