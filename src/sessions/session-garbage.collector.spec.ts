import { afterEach, beforeEach, describe, it, mock } from 'node:test';
import assert from 'node:assert/strict';
import { EventEmitter2 } from '@nestjs/event-emitter';
import { Logger } from '@nestjs/common';
import type { OpenViduConfig } from '../config/config.schema.js';
import { FakePlacer, fakeConfig } from '../testing/fakes.js';
import { SessionGarbageCollector } from './session-garbage.collector.js';
import { SessionsService } from './sessions.service.js';

function collector(overrides: Partial<OpenViduConfig>) {
  const config = fakeConfig(overrides);
  const sessions = new SessionsService(config, new EventEmitter2(), new FakePlacer());
  const gc = new SessionGarbageCollector(config, sessions);
  const ids = () => sessions.list().map((s) => s.sessionId);
  const joined = () => {
    const s = sessions.createSession();
    sessions.join(s.sessionId, { token: sessions.generateToken(s.sessionId, { role: 'PUBLISHER', data: '' }).token });
    return s.sessionId;
  };
  return { config, sessions, gc, ids, joined };
}

void describe('SessionGarbageCollector (openvidu.sessions.garbage.*) on mock timers', () => {
  beforeEach(() => {
    Logger.overrideLogger(['error']);
    mock.timers.enable({ apis: ['setInterval', 'Date'], now: 1_000_000 });
  });
  afterEach(() => mock.timers.reset());

  void it('every interval removes the sessions nobody joined within the threshold, and keeps joined ones', () => {
    const { sessions, gc, ids, joined } = collector({
      'openvidu.sessions.garbage.interval': 10,
      'openvidu.sessions.garbage.threshold': 25,
    });
    gc.onApplicationBootstrap();
    try {
      const ghost = sessions.createSession().sessionId;
      const live = joined();
      mock.timers.tick(20_000);
      assert.deepEqual(ids(), [ghost, live], 'two passes, the ghost is 20 s old: under the threshold');
      const younger = sessions.createSession().sessionId;
      mock.timers.tick(10_000);
      assert.deepEqual(ids(), [live, younger], 'the third pass finds the ghost 30 s old');
      mock.timers.tick(20_000);
      assert.deepEqual(ids(), [live]);
    } finally {
      gc.onApplicationShutdown();
    }
  });

  void it('is off with interval 0 (as 2.11, which had no collector): nothing is ever removed', () => {
    const { sessions, gc, ids } = collector({
      'openvidu.sessions.garbage.interval': 0,
      'openvidu.sessions.garbage.threshold': 1,
    });
    gc.onApplicationBootstrap();
    const ghost = sessions.createSession().sessionId;
    mock.timers.tick(24 * 3600_000);
    assert.deepEqual(ids(), [ghost]);
    assert.deepEqual(gc.collect(), [ghost], 'a pass run by hand would have removed it');
  });

  void it('a config update of a garbage key re-arms it; other keys leave the timer alone; shutdown stops it', () => {
    const { config, sessions, gc, ids } = collector({
      'openvidu.sessions.garbage.interval': 0,
      'openvidu.sessions.garbage.threshold': 5,
    });
    gc.onApplicationBootstrap();
    const previous = config.snapshot();
    config.set({ 'openvidu.sessions.garbage.interval': 1 });
    gc.onConfigUpdated({ previous, current: config.snapshot(), changed: ['openvidu.cdr'] });
    sessions.createSession();
    mock.timers.tick(10_000);
    assert.equal(ids().length, 1, 'an unrelated key changed nothing');
    gc.onConfigUpdated({ previous, current: config.snapshot(), changed: ['openvidu.sessions.garbage.interval'] });
    mock.timers.tick(6_000);
    assert.equal(ids().length, 0);
    gc.onApplicationShutdown();
    sessions.createSession();
    mock.timers.tick(60_000);
    assert.equal(ids().length, 1, 'no pass after shutdown');
  });
});
