import { afterEach, describe, it, mock } from 'node:test';
import assert from 'node:assert/strict';
import { Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { EventEmitter2, EventEmitterModule } from '@nestjs/event-emitter';
import { OpenViduConfigService } from '../config/config.service.js';
import { MEDIA_SERVER_STATUS_CHANGED } from '../media-servers/media-server.events.js';
import { SESSION_PLACER } from '../sessions/media-placement.js';
import type { MediaOptions } from '../sessions/session.types.js';
import { SessionsService } from '../sessions/sessions.service.js';
import { CAMERA, FakePlacer, fakeConfig } from '../testing/fakes.js';
import { CDR_EVENT, cdrLine, type CdrRecord } from './cdr-events.js';
import { CdrService } from './cdr.service.js';

const T0 = Date.UTC(2026, 0, 1);
const AUDIO_ONLY: MediaOptions = { ...CAMERA, hasVideo: false, videoActive: false };

/** The session model and the CDR wired by Nest's own @OnEvent registration, as in the application. */
async function boot() {
  @Module({
    imports: [EventEmitterModule.forRoot()],
    providers: [
      CdrService,
      SessionsService,
      { provide: OpenViduConfigService, useValue: fakeConfig() },
      { provide: SESSION_PLACER, useValue: new FakePlacer() },
    ],
  })
  class CdrTestModule {}
  const app = await NestFactory.createApplicationContext(CdrTestModule, { logger: false });
  await app.init();
  const records: CdrRecord[] = [];
  const bus = app.get(EventEmitter2);
  bus.on(CDR_EVENT, (r: CdrRecord) => void records.push(r));
  const sessions = app.get(SessionsService);
  const token = (sessionId: string) => sessions.generateToken(sessionId, { role: 'PUBLISHER', data: '' }).token;
  return { app, bus, sessions, records, token, lines: () => records.map(cdrLine) };
}

void describe(CdrService.name, () => {
  afterEach(() => mock.timers.reset());

  void it('turns a session lifecycle into the 2.11 CDR lines, keys in OpenVidu order', async () => {
    const t = await boot();
    try {
      mock.timers.enable({ apis: ['Date'], now: T0 });
      const { sessionId } = t.sessions.createSession({ customSessionId: 'S' });
      mock.timers.tick(1000);
      const a = t.sessions.join(sessionId, { token: t.token(sessionId), platform: 'Chrome', location: 'here' });
      const b = t.sessions.join(sessionId, { token: t.token(sessionId), platform: 'Firefox' });
      const stream = t.sessions.publish(a, CAMERA);
      mock.timers.tick(500);
      t.sessions.subscribe(b, stream.streamId);
      mock.timers.tick(2600);
      t.sessions.leave(b);
      t.sessions.closeSession(sessionId, 'sessionClosedByServer');
      const A = a.connectionId;
      const B = b.connectionId;
      const S = stream.streamId;
      const video = '"videoSource":"CAMERA","videoFramerate":30,"videoDimensions":"{\\"width\\":640,\\"height\\":480}"';
      assert.deepEqual(t.lines(), [
        `{"sessionCreated":{"sessionId":"S","timestamp":${T0}}}`,
        `{"participantJoined":{"sessionId":"S","timestamp":${T0 + 1000},"participantId":"${A}","location":"here","platform":"Chrome"}}`,
        `{"participantJoined":{"sessionId":"S","timestamp":${T0 + 1000},"participantId":"${B}","location":"unknown","platform":"Firefox"}}`,
        `{"webrtcConnectionCreated":{"sessionId":"S","timestamp":${T0 + 1000},"streamId":"${S}","participantId":"${A}","connection":"OUTBOUND",${video},"audioEnabled":true,"videoEnabled":true}}`,
        `{"webrtcConnectionCreated":{"sessionId":"S","timestamp":${T0 + 1500},"streamId":"${S}","participantId":"${B}","connection":"INBOUND","receivingFrom":"${A}",${video},"audioEnabled":true,"videoEnabled":true}}`,
        // Whole seconds: 2.6 s → 2.
        `{"webrtcConnectionDestroyed":{"sessionId":"S","timestamp":${T0 + 4100},"startTime":${T0 + 1500},"duration":2,"reason":"disconnect","streamId":"${S}","participantId":"${B}","connection":"INBOUND","receivingFrom":"${A}",${video},"audioEnabled":true,"videoEnabled":true}}`,
        `{"participantLeft":{"sessionId":"S","timestamp":${T0 + 4100},"startTime":${T0 + 1000},"duration":3,"reason":"disconnect","participantId":"${B}","location":"unknown","platform":"Firefox"}}`,
        `{"webrtcConnectionDestroyed":{"sessionId":"S","timestamp":${T0 + 4100},"startTime":${T0 + 1000},"duration":3,"reason":"sessionClosedByServer","streamId":"${S}","participantId":"${A}","connection":"OUTBOUND",${video},"audioEnabled":true,"videoEnabled":true}}`,
        `{"participantLeft":{"sessionId":"S","timestamp":${T0 + 4100},"startTime":${T0 + 1000},"duration":3,"reason":"sessionClosedByServer","participantId":"${A}","location":"here","platform":"Chrome"}}`,
        `{"sessionDestroyed":{"sessionId":"S","timestamp":${T0 + 4100},"startTime":${T0},"duration":4,"reason":"sessionClosedByServer"}}`,
      ]);
    } finally {
      await t.app.close();
    }
  });

  void it('the last participant leaving ends the session as lastParticipantLeft; audio-only has no video keys', async () => {
    const t = await boot();
    try {
      const { sessionId } = t.sessions.createSession();
      const a = t.sessions.join(sessionId, { token: t.token(sessionId) });
      const stream = t.sessions.publish(a, AUDIO_ONLY);
      t.sessions.leave(a, 'disconnect');
      const created = t.records.find((r) => r.name === 'webrtcConnectionCreated')!;
      assert.equal(
        cdrLine(created),
        `{"webrtcConnectionCreated":{"sessionId":"${sessionId}","timestamp":${stream.createdAt},"streamId":"${stream.streamId}","participantId":"${a.connectionId}","connection":"OUTBOUND","audioEnabled":true,"videoEnabled":false}}`,
      );
      assert.equal(t.records.at(-1)?.name, 'sessionDestroyed');
      assert.equal(t.records.at(-1)?.payload.reason, 'lastParticipantLeft');
    } finally {
      await t.app.close();
    }
  });

  void it('writes nothing for a session nobody joined, nor for the hidden recorder', async () => {
    const t = await boot();
    try {
      const idle = t.sessions.createSession();
      t.sessions.closeSession(idle.sessionId, 'sessionClosedByServer');
      assert.equal(t.records.length, 0);
      const { sessionId } = t.sessions.createSession();
      const a = t.sessions.join(sessionId, { token: t.token(sessionId) });
      const stream = t.sessions.publish(a, CAMERA);
      const rec = t.sessions.join(sessionId, { token: '', admin: true, recorder: true });
      t.sessions.subscribe(rec, stream.streamId);
      t.sessions.leave(rec);
      assert.deepEqual(
        t.records.map((r) => r.name),
        ['sessionCreated', 'participantJoined', 'webrtcConnectionCreated'],
      );
    } finally {
      await t.app.close();
    }
  });

  void it('a media server status change is a mediaNodeStatusChanged record; recordings go through record()', async () => {
    const t = await boot();
    try {
      t.bus.emit(MEDIA_SERVER_STATUS_CHANGED, {
        id: 'KMS-1',
        uri: 'ws://k:8888/kurento',
        ip: 'k',
        oldStatus: 'running',
        newStatus: 'waiting-idle-to-terminate',
        at: 7,
      });
      t.app.get(CdrService).record('recordingStarted', { sessionId: 'S', timestamp: 8, id: 'S' });
      assert.deepEqual(t.lines(), [
        '{"mediaNodeStatusChanged":{"timestamp":7,"id":"KMS-1","ip":"k","uri":"ws://k:8888/kurento","newStatus":"waiting-idle-to-terminate","oldStatus":"running"}}',
        '{"recordingStarted":{"sessionId":"S","timestamp":8,"id":"S"}}',
      ]);
    } finally {
      await t.app.close();
    }
  });
});
