import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { PROPERTIES, PROPERTY_BY_KEY, defaultConfig, ignoredPropertiesWarning } from './config.schema.js';

void describe('the property table', () => {
  void it('gives every default a value of its own kind', () => {
    const kind = (v: unknown) =>
      Array.isArray(v) ? 'string[]' : typeof v === 'number' ? 'integer' : (typeof v as 'string' | 'boolean');
    for (const p of PROPERTIES) assert.equal(kind(p.default), p.type, p.key);
  });

  void it('marks the 2.11 properties this server accepts without effect, each with a reason', () => {
    const ignored = PROPERTIES.filter((p) => p.ignored).map((p) => p.key);
    assert.deepEqual(ignored, [
      'server.ssl.key-alias',
      'openvidu.recording.version',
      'openvidu.recording.custom-layout',
      'openvidu.recording.composed-url',
      'openvidu.pro.stats.monitoring-interval',
      'openvidu.pro.stats.webrtc-interval',
      'openvidu.pro.kibana.host',
      'coturn.sqlite',
      'jsonRpcClientWebSocket.reconnectionDelay',
      'jsonRpcClientWebSocket.timeout',
      'jsonRpcClientWebSocket.packetSize',
      'jsonRpcClientWebSocket.connectionTimeout',
      'kurento.client.keepAliveTime',
    ]);
  });

  void it('warns once about the ignored properties set to something else than their default, never with a value', () => {
    assert.equal(ignoredPropertiesWarning(defaultConfig()), undefined);
    const warning = ignoredPropertiesWarning({
      ...defaultConfig(),
      'coturn.sqlite': '/secret/hunter2.db',
      'kurento.client.keepAliveTime': 1000,
      'openvidu.cdr': true,
    });
    assert.match(
      warning!,
      /^Set but without effect on this server: coturn\.sqlite \(.+\); kurento\.client\.keepAliveTime \(/,
    );
    assert.ok(!warning!.includes('hunter2'), 'no value in the log');
    assert.ok(!warning!.includes('openvidu.cdr'));
    // A restart names only what it sets.
    const restart = { 'openvidu.pro.stats.webrtc-interval': 5, 'openvidu.cdr': true };
    assert.match(ignoredPropertiesWarning(restart, Object.keys(restart))!, /openvidu\.pro\.stats\.webrtc-interval/);
    assert.equal(
      ignoredPropertiesWarning({ 'openvidu.pro.stats.webrtc-interval': 30 }, ['openvidu.pro.stats.webrtc-interval']),
      undefined,
    );
    assert.ok(PROPERTY_BY_KEY.get('openvidu.pro.stats.webrtc-interval')!.restartable);
  });
});
