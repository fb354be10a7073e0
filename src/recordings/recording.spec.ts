import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isSafeSegment } from './recording-files.js';
import { RESOLUTION } from './recordings-api.service.js';
import { Recording } from './recording.js';

void describe('Recording JSON (Recording#toJson, 2.11)', () => {
  const composed = () =>
    new Recording('s-1', 's', 1000, {
      name: 'n',
      outputMode: 'COMPOSED',
      hasAudio: true,
      hasVideo: true,
      resolution: '1280x720',
      recordingLayout: 'CUSTOM',
      customLayout: 'layout',
    });

  void it('writes resolution and layout only for COMPOSED with video, customLayout only for CUSTOM', () => {
    assert.deepEqual(Object.keys(composed().toJson()), [
      'id',
      'name',
      'outputMode',
      'resolution',
      'recordingLayout',
      'customLayout',
      'sessionId',
      'createdAt',
      'size',
      'duration',
      'url',
      'hasAudio',
      'hasVideo',
      'status',
    ]);
    const audio = new Recording('a', 'a', 1, { name: 'a', outputMode: 'COMPOSED', hasAudio: true, hasVideo: false });
    assert.equal('resolution' in audio.toJson(), false);
    assert.equal(audio.fileName, 'a.webm');
    assert.equal(composed().fileName, 'n.mp4');
    assert.equal(composed().toJson().url, null);
  });

  void it('reads back what it wrote and refuses what is not a recording', () => {
    const r = composed();
    r.size = 42;
    r.duration = 1.5;
    r.status = 'ready';
    assert.deepEqual(Recording.fromJson(JSON.parse(JSON.stringify(r.toJson())))?.toJson(), r.toJson());
    for (const bad of [
      null,
      [],
      'x',
      { id: 's' },
      { ...r.toJson(), status: 'available' },
      { ...r.toJson(), size: '1' },
    ]) {
      const back = Recording.fromJson(bad);
      if (back) assert.equal(back.size, 0, 'a bad number falls back to 0');
      else assert.equal(back, undefined);
    }
    assert.equal(Recording.fromJson({ ...r.toJson(), outputMode: 'MIXED' }), undefined);
  });

  void it('CDR fields end with hasAudio, hasVideo, size, duration', () => {
    assert.deepEqual(Object.keys(composed().cdrFields()).slice(-4), ['hasAudio', 'hasVideo', 'size', 'duration']);
  });
});

void describe('recording ids and files on disk', () => {
  void it('accepts one path segment only', () => {
    for (const ok of ['S', 'S-1', 'a.b', '.x', 'ünï']) assert.ok(isSafeSegment(ok), ok);
    for (const bad of ['', '.', '..', 'a/b', 'a\\b', 'a\0b', 'a\nb', 'x'.repeat(201)]) {
      assert.ok(!isSafeSegment(bad), bad);
    }
  });

  void it('resolution: each side 100–1999 without a leading zero (FormatChecker)', () => {
    for (const ok of ['100x100', '1920x1080', '1999x1999', '640x480']) assert.ok(RESOLUTION.test(ok), ok);
    for (const bad of ['99x100', '2000x100', '0100x100', '100x0100', '100X100', ' 100x100', '100x100\n']) {
      assert.ok(!RESOLUTION.test(bad), JSON.stringify(bad));
    }
  });
});
