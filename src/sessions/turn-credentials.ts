import { Inject, Injectable, Logger, type OnModuleDestroy } from '@nestjs/common';
import { Redis } from 'ioredis';
import { createHash, createHmac } from 'node:crypto';
import { OpenViduConfigService } from '../config/config.service.js';
import type { OpenViduConfig } from '../config/config.schema.js';
import { randomId } from './ids.js';

export interface TurnCredentials {
  turnUsername: string;
  turnCredential: string;
}

/** The realm OpenVidu 2.11 created its coturn users in (`turnadmin -r openvidu`); docker-compose's coturn uses it. */
export const COTURN_REALM = 'openvidu';

/** How long one Redis command may take before the token goes out without TURN credentials. */
const REDIS_COMMAND_TIMEOUT_MS = 5000;
/** Token requests waiting on Redis at once; past it, tokens go out without TURN rather than queue. */
const MAX_REDIS_IN_FLIGHT = 1024;

/**
 * Time-limited credentials of the "TURN REST API" scheme that coturn verifies with
 * `use-auth-secret` + `static-auth-secret=<secret>`: username `<unix expiry>:<id>`, credential
 * base64(HMAC-SHA1(secret, username)). The base64 of a 20-byte HMAC always ends with `=`, which
 * openvidu-browser 2.10/2.11 cuts off (docs/compatibility.md, TURN row).
 */
export function turnCredentials(secret: string, lifetimeSeconds: number, now = Date.now()): TurnCredentials {
  const expiry = Math.floor(now / 1000) + lifetimeSeconds;
  const turnUsername = `${expiry}:${randomId()}`;
  const turnCredential = createHmac('sha1', secret).update(turnUsername).digest('base64');
  return { turnUsername, turnCredential };
}

/**
 * The same username and HMAC without the base64 padding: the credential exactly as openvidu-browser
 * 2.10/2.11 reads it back from a token (it splits parameters on `=`). coturn learns it as a per-token
 * user (see coturnUserRecord), not from the secret.
 */
export function unpaddedTurnCredentials(secret: string, lifetimeSeconds: number, now = Date.now()): TurnCredentials {
  const c = turnCredentials(secret, lifetimeSeconds, now);
  return { turnUsername: c.turnUsername, turnCredential: c.turnCredential.replace(/=+$/, '') };
}

/**
 * The Redis key and value coturn's redis user database reads for a long-term user (what `turnadmin -a`
 * writes): `turn/realm/<realm>/user/<name>/key` = hex MD5(`<name>:<realm>:<password>`), the key a
 * TURN client derives from the same password for MESSAGE-INTEGRITY (RFC 5389 §15.4).
 */
export function coturnUserRecord(realm: string, c: TurnCredentials): { key: string; value: string } {
  return {
    key: `turn/realm/${realm}/user/${c.turnUsername}/key`,
    value: createHash('md5').update(`${c.turnUsername}:${realm}:${c.turnCredential}`).digest('hex'),
  };
}

type RedisSettings = Pick<
  OpenViduConfig,
  | 'coturn.redis.ip'
  | 'coturn.redis.port'
  | 'coturn.redis.dbname'
  | 'coturn.redis.password'
  | 'coturn.redis.connect-timeout'
>;

/**
 * TURN credentials for each token. `coturn.credentials=redis` (default): a per-token coturn user
 * written to coturn's redis database with the credential lifetime as its TTL, as OpenVidu 2.11 did
 * with turnadmin; this is what 2.10/2.11 browsers can use. `rest-api`: coturn's shared-secret scheme,
 * no database. A token goes out without TURN credentials when Redis cannot be reached (2.11 too).
 */
@Injectable()
export class TurnCredentialsService implements OnModuleDestroy {
  private readonly logger = new Logger('Turn');
  private redis?: { client: Redis; settings: string };
  private inFlight = 0;
  private lastRedisError = '';

  constructor(@Inject(OpenViduConfigService) private readonly config: OpenViduConfigService) {}

  async issue(): Promise<TurnCredentials | undefined> {
    const config = this.config.snapshot();
    const secret = config['coturn.shared-secret'];
    if (!secret) return undefined;
    const lifetime = config['coturn.credential-lifetime'];
    if (config['coturn.credentials'] === 'rest-api') return turnCredentials(secret, lifetime);
    const creds = unpaddedTurnCredentials(secret, lifetime);
    const { key, value } = coturnUserRecord(COTURN_REALM, creds);
    const where = `${config['coturn.redis.ip']}:${config['coturn.redis.port']}`;
    if (this.inFlight >= MAX_REDIS_IN_FLIGHT) {
      this.logger.warn(
        `token issued without TURN credentials: ${this.inFlight} writes to coturn's redis at ${where} pending`,
      );
      return undefined;
    }
    this.inFlight++;
    try {
      await this.client(config).set(key, value, 'EX', lifetime);
      this.lastRedisError = '';
      return creds;
    } catch (e) {
      this.logger.warn(
        `token issued without TURN credentials: coturn's redis at ${where} refused the user (${(e as Error).message})`,
      );
      return undefined;
    } finally {
      this.inFlight--;
    }
  }

  onModuleDestroy(): void {
    this.redis?.client.disconnect();
    this.redis = undefined;
  }

  /** One connection per Redis setting in force; a restart that changes them replaces it. */
  private client(config: RedisSettings): Redis {
    const settings = JSON.stringify([
      config['coturn.redis.ip'],
      config['coturn.redis.port'],
      config['coturn.redis.dbname'],
      config['coturn.redis.password'],
      config['coturn.redis.connect-timeout'],
    ]);
    if (this.redis?.settings === settings) return this.redis.client;
    this.redis?.client.disconnect();
    const client = new Redis({
      host: config['coturn.redis.ip'],
      port: config['coturn.redis.port'],
      password: config['coturn.redis.password'] || undefined,
      db: Number(config['coturn.redis.dbname']),
      connectTimeout: config['coturn.redis.connect-timeout'] * 1000,
      commandTimeout: REDIS_COMMAND_TIMEOUT_MS,
      lazyConnect: true,
      // A token must not wait for Redis to come back: the command fails, the token goes out without TURN.
      maxRetriesPerRequest: 0,
      retryStrategy: (times) => Math.min(times * 500, 5000),
    });
    // Connection errors are reported by the failing command; log each distinct one once, never the password.
    client.on('error', (e: Error) => {
      if (e.message === this.lastRedisError) return;
      this.lastRedisError = e.message;
      this.logger.warn(`coturn's redis at ${config['coturn.redis.ip']}:${config['coturn.redis.port']}: ${e.message}`);
    });
    this.redis = { client, settings };
    return client;
  }
}
