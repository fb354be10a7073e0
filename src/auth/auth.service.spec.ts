import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { EventEmitter2 } from '@nestjs/event-emitter';
import { ConfigFileRepository } from '../config/config-file.repository.js';
import { loadConfig } from '../config/config.loader.js';
import { OpenViduConfigService } from '../config/config.service.js';
import { AuthService, safeEqual } from './auth.service.js';

const SECRET = 'MY_SECRET';
const sut = () => {
  const config = new OpenViduConfigService(
    loadConfig({ OPENVIDU_SECRET: SECRET }),
    new ConfigFileRepository(),
    new EventEmitter2(),
  );
  return { config, auth: new AuthService(config) };
};
const header = (authorization: unknown) => ({ headers: { authorization } }) as never;
const b64 = (s: string) => Buffer.from(s, 'utf8').toString('base64');

void describe(AuthService.name, () => {
  void it('accepts the documented header for MY_SECRET (REST API docs)', () => {
    assert.equal(sut().auth.isAuthorized(header('Basic T1BFTlZJRFVBUFA6TVlfU0VDUkVU')), true);
  });

  void it('accepts any case of the scheme and blanks around the token', () => {
    const { auth } = sut();
    assert.equal(auth.isAuthorized(header(`basic ${b64('OPENVIDUAPP:MY_SECRET')}`)), true);
    assert.equal(auth.isAuthorized(header(`BASIC   ${b64('OPENVIDUAPP:MY_SECRET')} `)), true);
  });

  void it('refuses a missing, empty or non-Basic header', () => {
    const { auth } = sut();
    for (const h of [undefined, '', 'Basic', 'Basic ', `Bearer ${b64('OPENVIDUAPP:MY_SECRET')}`, ['Basic x']]) {
      assert.equal(auth.isAuthorized(header(h)), false, JSON.stringify(h));
    }
  });

  void it('refuses bad base64, even when a lenient decoder would find the right credentials in it', () => {
    const { auth } = sut();
    const good = b64('OPENVIDUAPP:MY_SECRET');
    for (const token of [
      '!!!!',
      `${good}!`,
      `${good}=AAAA`,
      `${good}====`,
      `${good.slice(0, 4)}=${good.slice(4)}`,
      `${good} x`,
    ]) {
      assert.equal(auth.isAuthorized(header(`Basic ${token}`)), false, token);
    }
  });

  void it('accepts base64 with or without its padding', async () => {
    const { auth, config } = sut();
    await config.restart({ 'openvidu.secret': 'MY_SECRET1' });
    const padded = b64('OPENVIDUAPP:MY_SECRET1');
    assert.ok(padded.endsWith('=='));
    assert.equal(auth.isAuthorized(header(`Basic ${padded}`)), true);
    assert.equal(auth.isAuthorized(header(`Basic ${padded.replace(/=+$/, '')}`)), true);
    assert.equal(auth.isAuthorized(header(`Basic ${padded}=`)), false);
  });

  void it('refuses credentials without a colon, with another user, or with a near-miss secret', () => {
    const { auth } = sut();
    for (const creds of [
      'OPENVIDUAPPMY_SECRET',
      'MY_SECRET',
      ':MY_SECRET',
      'openviduapp:MY_SECRET',
      'ADMIN:MY_SECRET',
      'OPENVIDUAPP:',
      'OPENVIDUAPP:my_secret',
      'OPENVIDUAPP:MY_SECRET ',
      'OPENVIDUAPP:MY_SECRE',
      'OPENVIDUAPP:MY_SECRET\u0000',
      'OPENVIDUAPP:MY_SECRET:extra',
    ]) {
      assert.equal(auth.isAuthorized(header(`Basic ${b64(creds)}`)), false, creds);
    }
  });

  void it('accepts a secret that itself contains colons and non-ASCII characters', async () => {
    const { auth, config } = sut();
    await config.restart({ 'openvidu.secret': 'a:b:ü€' });
    assert.equal(auth.isAuthorized(header(`Basic ${b64('OPENVIDUAPP:a:b:ü€')}`)), true);
    assert.equal(auth.checkSecret('a:b:ü€'), true);
  });

  void it('checks against the secret in force right now, so a restart takes effect on the next call', async () => {
    const { auth, config } = sut();
    const old = header(`Basic ${b64('OPENVIDUAPP:MY_SECRET')}`);
    assert.equal(auth.isAuthorized(old), true);
    await config.restart({ 'openvidu.secret': 'NEW' });
    assert.equal(auth.isAuthorized(old), false);
    assert.equal(auth.isAuthorized(header(`Basic ${b64('OPENVIDUAPP:NEW')}`)), true);
    assert.equal(auth.checkSecret('NEW'), true);
    assert.equal(auth.checkSecret('MY_SECRET'), false);
  });

  void it('checkSecret compares the bare secret of the signalling admin join', () => {
    const { auth } = sut();
    assert.equal(auth.checkSecret(SECRET), true);
    for (const s of ['', 'MY_SECRE', 'MY_SECRET ', 'my_secret']) assert.equal(auth.checkSecret(s), false, s);
  });
});

void describe('safeEqual', () => {
  void it('is an exact comparison whatever the lengths', () => {
    assert.equal(safeEqual('abc', 'abc'), true);
    assert.equal(safeEqual('', ''), true);
    for (const [a, b] of [
      ['abc', 'abd'],
      ['abc', 'ab'],
      ['', 'a'],
      ['a'.repeat(1000), 'a'.repeat(999)],
      ['é', 'e\u0301'],
    ]) {
      assert.equal(safeEqual(a, b), false, `${a} vs ${b}`);
    }
  });
});
