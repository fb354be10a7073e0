// TURN credentials in tokens. OpenVidu 2.11 (TokenGeneratorDefault, CoturnCredentialsService) adds
// `turnUsername`/`turnCredential` to a token when a TURN service is there, and openvidu-browser
// (Session#processToken) then uses turn:<token host>:3478 with them. Ours are the time-limited
// credentials coturn verifies with `use-auth-secret`: username `<unix expiry>:<id>`, credential
// base64(HMAC-SHA1(secret, username)); the secret and lifetime are restartable.
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { parse } from 'yaml';
import { browserReadsToken } from '../support/openvidu-browser-token.js';
import { boot, createSession, createToken, Peer, rest, type Harness } from './support.js';

const hmac = (secret: string, user: string) => createHmac('sha1', secret).update(user).digest('base64');

void describe('TURN credentials in tokens (coturn use-auth-secret scheme)', () => {
  let h: Harness;

  before(async () => {
    h = await boot({ COTURN_SHARED_SECRET: 'turn-shared-secret', COTURN_CREDENTIAL_LIFETIME: '600' });
  });
  after(async () => {
    await h?.close();
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
    const [stun, turn] = read.openvidu.iceServers as Array<{ urls: string[]; username?: string; credential?: string }>;
    assert.deepEqual(stun.urls, ['stun:localhost:3478']);
    assert.deepEqual(turn.urls, ['turn:localhost:3478', 'turn:localhost:3478?transport=tcp']);
    assert.equal(turn.username, user);
    // openvidu-browser 2.10/2.11 splits each parameter on "=", so the base64 padding of the HMAC
    // does not reach it (docs/compatibility.md, TURN row).
    assert.equal(turn.credential, credential.replace(/=+$/, ''));

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

  void it('docker-compose.yml runs coturn with the same shared secret as the server', () => {
    const compose = parse(readFileSync('docker-compose.yml', 'utf8')) as {
      services: Record<string, { command?: string[]; environment?: Record<string, string> }>;
    };
    const args = compose.services.coturn.command ?? [];
    assert.ok(args.includes('--use-auth-secret'));
    const secretArg = args.find((a) => a.startsWith('--static-auth-secret='));
    assert.ok(secretArg);
    assert.equal(
      compose.services.openvidu.environment?.COTURN_SHARED_SECRET,
      secretArg.slice('--static-auth-secret='.length),
    );
    assert.ok(args.includes('--listening-port=3478'), 'openvidu-browser dials port 3478');
  });
});
