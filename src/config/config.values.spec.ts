import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { PROPERTIES, PROPERTY_BY_KEY, defaultConfig, type PropertyDef } from './config.schema.js';
import { checkJsonType, checkValue, crossCheck, parseKmsUris, parseText, toPropertyText } from './config.values.js';

const def = (key: string): PropertyDef => PROPERTY_BY_KEY.get(key)!;
const ok = (d: PropertyDef, text: string) => {
  const r = parseText(d, text);
  assert.ok(r.ok, `${d.key}: "${text}" should parse`);
  return r.value;
};
const bad = (d: PropertyDef, text: string) =>
  assert.equal(parseText(d, text).ok, false, `${d.key}: "${text}" should fail`);

void describe('config values', () => {
  void it('parses booleans: true/false in any case and with blanks, nothing else', () => {
    const d = def('openvidu.cdr');
    assert.equal(ok(d, 'true'), true);
    assert.equal(ok(d, ' FALSE '), false);
    assert.equal(ok(d, 'True'), true);
    for (const t of ['', 'yes', '1', '0', 'on', 'truee']) bad(d, t);
  });

  void it('parses integers: optional sign, digits only', () => {
    const d = def('server.port');
    assert.equal(ok(d, '4443'), 4443);
    assert.equal(ok(d, ' 80 '), 80);
    assert.equal(ok(def('openvidu.recording.autostop-timeout'), '-5'), -5, 'parsed; the range check refuses it');
    for (const t of ['', '1.5', '1e3', '0x10', 'abc', '12abc', '+']) bad(d, t);
  });

  void it('parses strings verbatim', () => {
    assert.equal(ok(def('openvidu.publicurl'), ' https://x '), ' https://x ');
    assert.equal(ok(def('openvidu.secret'), ''), '');
  });

  void it('parses string arrays as JSON arrays of strings; empty text is an empty array', () => {
    const d = def('openvidu.webhook.headers');
    assert.deepEqual(ok(d, '["A: b","C: d"]'), ['A: b', 'C: d']);
    assert.deepEqual(ok(d, ' [] '), []);
    assert.deepEqual(ok(d, ''), []);
    for (const t of ['A: b', '[1]', '{"a":1}', '["a"', 'null', '"a"']) bad(d, t);
  });

  void it('parses kms.uris leniently: quotes, backslashes and blanks dropped, brackets optional', () => {
    assert.deepEqual(parseKmsUris('[ "ws://a/k" , ws://b/k ]'), ['ws://a/k', 'ws://b/k']);
    assert.deepEqual(parseKmsUris('ws://a/k'), ['ws://a/k']);
    assert.deepEqual(parseKmsUris('[\\"ws://a/k\\"]'), ['ws://a/k']);
    assert.deepEqual(parseKmsUris('[]'), []);
    assert.deepEqual(parseKmsUris(',,'), []);
  });

  void it('checks ranges, enumerations and property rules', () => {
    assert.equal(checkValue(def('server.port'), 65535), undefined);
    assert.match(checkValue(def('server.port'), 65536)!, /<= 65535/);
    assert.match(checkValue(def('openvidu.recording.autostop-timeout'), -1)!, />= 0/);
    assert.match(checkValue(def('openvidu.recording.autostop-timeout'), 2 ** 60)!, /out of range/);
    assert.match(
      checkValue(def('openvidu.pro.cluster.load.strategy'), 'random')!,
      /streams, sessions, mediaObjects, cpu/,
    );
    assert.equal(checkValue(def('openvidu.pro.cluster.load.strategy'), 'cpu'), undefined);
    assert.match(checkValue(def('openvidu.recording.notification'), 'x')!, /one of/);
    assert.match(checkValue(def('openvidu.secret'), '')!, /empty/);
    assert.match(checkValue(def('kms.uris'), ['http://a/k'])!, /ws:\/\/ or wss:\/\//);
    assert.equal(checkValue(def('kms.uris'), ['ws://a:8888/kurento', 'wss://b/kurento']), undefined);
  });

  void it('accepts webhook headers only as "Name: value" with a token name', () => {
    const d = def('openvidu.webhook.headers');
    assert.equal(checkValue(d, ['Authorization: Basic YWJj', 'X-A: b: c']), undefined);
    for (const h of ['NoColon', 'Name:value', 'Name: ', ': value', 'Bad Name: v', 'Name : v']) {
      assert.ok(checkValue(d, [h]), `"${h}" should be refused`);
    }
  });

  void it('names a bad webhook header without echoing its value, which often holds credentials', () => {
    const reason = checkValue(def('openvidu.webhook.headers'), ['Authorization Basic c2VjcmV0LXZhbHVl'])!;
    assert.ok(reason);
    assert.ok(!reason.includes('c2VjcmV0LXZhbHVl'), reason);
  });

  void it('accepts only the 2.11 webhook event names', () => {
    const d = def('openvidu.webhook.events');
    assert.equal(checkValue(d, ['sessionCreated', 'recordingStatusChanged']), undefined);
    assert.match(checkValue(d, ['recordingStarted'])!, /unknown event name\(s\) recordingStarted/);
  });

  void it('checks JSON bodies strictly: no string coercion', () => {
    assert.deepEqual(checkJsonType(def('openvidu.cdr'), true), { ok: true, value: true });
    assert.equal(checkJsonType(def('openvidu.cdr'), 'true').ok, false);
    assert.equal(checkJsonType(def('openvidu.recording.autostop-timeout'), '1').ok, false);
    assert.equal(checkJsonType(def('openvidu.recording.autostop-timeout'), 1.5).ok, false);
    assert.equal(checkJsonType(def('openvidu.recording.autostop-timeout'), Number.NaN).ok, false);
    assert.equal(checkJsonType(def('openvidu.secret'), 5).ok, false);
    assert.equal(checkJsonType(def('openvidu.webhook.events'), ['a', 1]).ok, false);
    assert.equal(checkJsonType(def('openvidu.webhook.events'), null).ok, false);
  });

  void it('cross-checks the webhook endpoint and the certificate pair', () => {
    const c = { ...defaultConfig(), 'openvidu.webhook': true };
    assert.deepEqual(
      crossCheck(c).map((e) => e.key),
      ['openvidu.webhook.endpoint'],
    );
    assert.deepEqual(crossCheck({ ...c, 'openvidu.webhook.endpoint': 'https://h/x' }), []);
    assert.deepEqual(
      crossCheck({ ...defaultConfig(), 'server.ssl.certificate-private-key': '/k.pem' }).map((e) => e.key),
      ['server.ssl.certificate'],
    );
    assert.deepEqual(crossCheck(defaultConfig()), []);
  });

  void it('writes values as OpenVidu does: arrays as JSON text', () => {
    assert.equal(toPropertyText(['a', 'b']), '["a","b"]');
    assert.equal(toPropertyText(true), 'true');
    assert.equal(toPropertyText(12), '12');
    assert.equal(toPropertyText('x y'), 'x y');
  });

  void it('round-trips every default through its own text form', () => {
    for (const p of PROPERTIES) {
      const r = parseText(p, toPropertyText(p.default));
      assert.ok(r.ok, p.key);
      assert.deepEqual(r.value, p.default, p.key);
      assert.equal(checkValue(p, r.value), undefined, `${p.key} default passes its own checks`);
    }
  });
});
