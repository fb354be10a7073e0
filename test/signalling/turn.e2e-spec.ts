// TURN credentials in tokens. OpenVidu 2.11 (TokenGeneratorDefault, CoturnCredentialsService,
// BashCoturnCredentialsService) adds `turnUsername`/`turnCredential` to a token when coturn's redis
// database is there, creating a coturn user for it; openvidu-browser (Session#processToken) then uses
// turn:<token host>:3478 with them. Ours: username `<unix expiry>:<id>`, credential the base64
// HMAC-SHA1 of it under `coturn.shared-secret`; with `coturn.credentials=redis` (default) the server
// writes the user to coturn's redis the way turnadmin does (coturn's dbd_redis reads
// `turn/realm/<realm>/user/<name>/key`), with `rest-api` coturn recomputes it (use-auth-secret).
// Real Redis and coturn (Debian's packages) check it: coturn's own client relays with what the
// browser holds.
import assert from 'node:assert/strict';
import { createHash, createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { parse } from 'yaml';
import { browserReadsToken } from '../support/openvidu-browser-token.js';
import { startCoturn, startRedis, turnRelays, type Coturn, type RedisServer } from '../support/turn-servers.js';
import { createSession, createToken } from '../support/api.js';
import { boot, type Harness } from '../support/boot.js';
import { rest } from '../support/http.js';
import { Peer } from '../support/rpc.js';

const hmac = (secret: string, user: string) => createHmac('sha1', secret).update(user).digest('base64');
/** The long-term key coturn checks MESSAGE-INTEGRITY with (RFC 5389 §15.4), hex as turnadmin stores it. */
const ltKey = (user: string, realm: string, password: string) =>
  createHash('md5').update(`${user}:${realm}:${password}`).digest('hex');
type IceServer = { urls: string[]; username?: string; credential?: string };

void describe('TURN credentials in tokens, coturn.credentials=redis: a coturn user per token in its redis', () => {
  let h: Harness;
  let redis: RedisServer;
  let coturn: Coturn;

  before(async () => {
    redis = await startRedis('turn-db-pass');
    coturn = await startCoturn({ redis: { port: redis.port, password: 'turn-db-pass', dbname: '3' } });
    h = await boot({
      COTURN_SHARED_SECRET: 'turn-shared-secret',
      COTURN_CREDENTIAL_LIFETIME: '600',
      COTURN_REDIS_IP: '127.0.0.1',
      COTURN_REDIS_PORT: String(redis.port),
      COTURN_REDIS_DBNAME: '3',
      COTURN_REDIS_PASSWORD: 'turn-db-pass',
    });
  });
  after(async () => {
    await h?.close();
    await coturn?.close();
    await redis?.close();
  });

  void it('openvidu-browser 2.11 reads the credential whole, and coturn relays with it', async () => {
    const session = await createSession(h.url);
    const before = Math.floor(Date.now() / 1000);
    const token = await createToken(h.url, session);
    const read = browserReadsToken(token);
    assert.equal(read.sessionId, session);
    const [stun, turn] = read.openvidu.iceServers as IceServer[];
    assert.deepEqual(stun.urls, ['stun:localhost:3478']);
    assert.deepEqual(turn.urls, ['turn:localhost:3478', 'turn:localhost:3478?transport=tcp']);
    const user = turn.username!;
    const m = /^(\d+):([a-z0-9]{16})$/.exec(user);
    assert.ok(m, `username ${user}`);
    assert.ok(Number(m[1]) >= before + 600 && Number(m[1]) <= Math.floor(Date.now() / 1000) + 600);
    // What the browser holds is the whole parameter the server wrote: nothing was cut at "=".
    assert.equal(token.slice(token.indexOf('&turnCredential=') + 16), turn.credential);
    assert.equal(turn.credential, hmac('turn-shared-secret', user).replace(/=$/, ''));
    assert.doesNotMatch(turn.credential, /[=&%]/);
    // coturn (dbd_redis) reads this key in the configured database and checks the client's
    // MESSAGE-INTEGRITY with it; Chrome derives the same key from the credential it was given.
    const key = `turn/realm/openvidu/user/${user}/key`;
    const db = redis.client(3);
    assert.equal(await db.get(key), ltKey(user, 'openvidu', turn.credential));
    const ttl = await db.ttl(key);
    assert.ok(ttl > 590 && ttl <= 600, `expires with the credential (ttl ${ttl})`);
    assert.equal(await redis.client(0).get(key), null, 'written in the configured database');

    // coturn relays for the username and credential the browser holds, and for nothing else.
    assert.equal(await turnRelays(coturn.port, user, turn.credential), true, 'coturn accepts the token user');
    assert.equal(await turnRelays(coturn.port, user, `${turn.credential}=`), false, 'a different password fails');
    const other = browserReadsToken(await createToken(h.url, session)).openvidu.iceServers as IceServer[];
    assert.equal(await turnRelays(coturn.port, user, other[1].credential!), false, "another token's credential fails");
  });

  void it('no coturn user for an unknown session; with Redis gone a token goes out without TURN and still joins', async () => {
    const db = redis.client(3);
    const users = (await db.keys('turn/realm/openvidu/user/*')).length;
    const r = await rest(h.url, 'POST', '/api/tokens', { session: 'nope' });
    assert.equal(r.status, 404);
    assert.equal((await db.keys('turn/realm/openvidu/user/*')).length, users, 'nothing written for a 404');

    const session = await createSession(h.url);
    await redis.close();
    const token = await createToken(h.url, session);
    assert.ok(!token.includes('turnUsername'), token);
    const peer = await Peer.join(h, session, token);
    await peer.leave();
    await peer.rpc.close();
  });
});

void describe('TURN credentials in tokens, coturn.credentials=rest-api (coturn use-auth-secret scheme)', () => {
  let h: Harness;
  let coturn: Coturn;

  before(async () => {
    coturn = await startCoturn({ sharedSecret: 'turn-shared-secret' });
    h = await boot({
      COTURN_SHARED_SECRET: 'turn-shared-secret',
      COTURN_CREDENTIAL_LIFETIME: '600',
      COTURN_CREDENTIALS: 'rest-api',
    });
  });
  after(async () => {
    await h?.close();
    await coturn?.close();
  });

  void it('every token carries a time-limited username and its HMAC; openvidu-browser builds its TURN servers from them', async () => {
    const session = await createSession(h.url);
    const before = Math.floor(Date.now() / 1000);
    const token = await createToken(h.url, session);
    const url = new URL(token);
    const user = url.searchParams.get('turnUsername') ?? '';
    const m = /^(\d+):([a-z0-9]{16})$/.exec(user);
    assert.ok(m, `username ${user}`);
    const expiry = Number(m[1]);
    assert.ok(expiry >= before + 600 && expiry <= Math.floor(Date.now() / 1000) + 600, 'expires after the lifetime');
    // Raw in the token: the browser reads it with decodeURI, which would leave %2B/%2F escaped.
    const credential = token.slice(token.indexOf('&turnCredential=') + '&turnCredential='.length);
    assert.equal(credential, hmac('turn-shared-secret', user));
    assert.ok(token.indexOf('&turnUsername=') < token.indexOf('&turnCredential='));

    const read = browserReadsToken(token);
    assert.equal(read.sessionId, session);
    const [stun, turn] = read.openvidu.iceServers as IceServer[];
    assert.deepEqual(stun.urls, ['stun:localhost:3478']);
    assert.deepEqual(turn.urls, ['turn:localhost:3478', 'turn:localhost:3478?transport=tcp']);
    assert.equal(turn.username, user);
    // openvidu-browser 2.10/2.11 splits each parameter on "=", so the base64 padding of the HMAC
    // does not reach it: coturn would refuse it (why `redis` is the default, docs/compatibility.md).
    assert.equal(turn.credential, credential.replace(/=+$/, ''));
    assert.notEqual(ltKey(user, 'openvidu', turn.credential), ltKey(user, 'openvidu', credential));
    assert.equal(await turnRelays(coturn.port, user, credential), true, 'coturn accepts the whole credential');
    assert.equal(
      await turnRelays(coturn.port, user, turn.credential),
      false,
      "coturn refuses what 2.11's parser keeps",
    );

    // Two tokens, two usernames; a joined participant's token shows as it was handed out.
    const second = await createToken(h.url, session);
    assert.notEqual(new URL(second).searchParams.get('turnUsername'), user);
    const peer = await Peer.join(h, session, token);
    const json = (await rest(h.url, 'GET', `/api/sessions/${session}`)).json<{
      connections: { content: Array<{ token: string }> };
    }>();
    assert.equal(json.connections.content[0].token, token);
    await peer.leave();
    await peer.rpc.close();
  });

  void it('the secret and lifetime are restartable; an empty secret stops adding credentials', async () => {
    const session = await createSession(h.url);
    let r = await rest(h.url, 'POST', '/pro/restart', {
      'coturn.shared-secret': 'rotated',
      'coturn.credential-lifetime': 3600,
    });
    assert.equal(r.status, 200, r.text);
    const token = new URL(await createToken(h.url, session));
    const user = token.searchParams.get('turnUsername')!;
    assert.ok(Number(user.split(':')[0]) >= Math.floor(Date.now() / 1000) + 3590);
    assert.equal(token.href.slice(token.href.indexOf('&turnCredential=') + 16), hmac('rotated', user));
    r = await rest(h.url, 'POST', '/pro/restart', { 'coturn.credential-lifetime': 10 });
    assert.equal(r.status, 400, 'a lifetime under a minute is refused');
    assert.equal(
      (await rest(h.url, 'GET', '/pro/config')).text.includes('rotated'),
      false,
      'the secret is never shown',
    );
    r = await rest(h.url, 'POST', '/pro/restart', { 'coturn.shared-secret': '' });
    assert.equal(r.status, 200, r.text);
    assert.ok(!(await createToken(h.url, session)).includes('turnUsername'));
  });

  void it("docker-compose.yml: coturn reads the server's per-token users from the same redis", () => {
    const compose = parse(readFileSync('docker-compose.yml', 'utf8')) as {
      services: Record<string, { command?: string[]; environment?: Record<string, string>; ports?: string[] }>;
    };
    const args = compose.services.coturn.command ?? [];
    assert.ok(!args.includes('--use-auth-secret'), 'no shared-secret scheme: 2.11 browsers lose its "="');
    assert.ok(args.includes('--realm=openvidu'), 'the realm the server derives keys for');
    assert.ok(args.includes('--listening-port=3478'), 'openvidu-browser dials port 3478');
    const userdb = args.find((a) => a.startsWith('--redis-userdb='))?.slice('--redis-userdb='.length) ?? '';
    const db = Object.fromEntries(userdb.split(' ').map((kv) => kv.split('=') as [string, string]));
    const env = compose.services.openvidu.environment ?? {};
    assert.equal(env.COTURN_CREDENTIALS, 'redis');
    assert.equal(env.COTURN_REDIS_PASSWORD, db.password);
    assert.equal(env.COTURN_REDIS_DBNAME, db.dbname);
    assert.equal(env.COTURN_REDIS_PORT, db.port);
    // coturn (host network) and the server (by service name) reach the same redis.
    assert.equal(env.COTURN_REDIS_IP, 'coturn-redis');
    assert.deepEqual(compose.services['coturn-redis'].ports, [`${db.ip}:${db.port}:6379`]);
    assert.ok(env.COTURN_SHARED_SECRET);
  });
});
