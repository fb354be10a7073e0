import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { ExecutionContext } from '@nestjs/common';
import { NotImplementedError } from '../common/errors.js';
import { assertRefused, throughPipe } from '../common/validation/validation.testing.js';
import type { OpenViduConfigService } from '../config/config.service.js';
import { RecordingEnabledGuard, StartRecordingRequest } from './start-recording.request.js';

const TYPE = 'Type error in some parameter';
const RES = 'Wrong "resolution" parameter. Acceptable values from 100 to 1999 for both width and height';
const AV = 'Cannot start a recording with both "hasAudio" and "hasVideo" set to false';

void describe('StartRecordingRequest (POST /api/recordings/start)', () => {
  void it('checks body, types, session, outputMode, COMPOSED resolution and layout, then audio/video', async () => {
    await assertRefused(StartRecordingRequest, undefined, 400, 'Error in body parameters. Cannot be empty');
    await assertRefused(StartRecordingRequest, [1], 400, TYPE);
    await assertRefused(StartRecordingRequest, { session: 's', hasVideo: 'no', outputMode: 'X' }, 400, TYPE);
    await assertRefused(
      StartRecordingRequest,
      { name: 'n', outputMode: 'BAD' },
      400,
      '"session" parameter is mandatory',
    );
    await assertRefused(
      StartRecordingRequest,
      { session: 's', outputMode: 'BAD', hasAudio: false, hasVideo: false },
      400,
      TYPE,
    );
    await assertRefused(
      StartRecordingRequest,
      { session: 's', outputMode: 'COMPOSED', resolution: '99x100', recordingLayout: 'X' },
      422,
      RES,
    );
    await assertRefused(
      StartRecordingRequest,
      { session: 's', outputMode: 'COMPOSED', resolution: '', recordingLayout: 'X' },
      422,
      RES,
    );
    await assertRefused(
      StartRecordingRequest,
      { session: 's', outputMode: 'COMPOSED', recordingLayout: 'GRID', hasAudio: false, hasVideo: false },
      400,
      TYPE,
    );
    await assertRefused(StartRecordingRequest, { session: 's', hasAudio: false, hasVideo: false }, 422, AV);
  });

  void it('leaves resolution and layout alone unless outputMode is COMPOSED; empty strings read as absent', async () => {
    const req = await throughPipe(StartRecordingRequest, {
      session: 's',
      outputMode: 'INDIVIDUAL',
      resolution: 'bad',
      recordingLayout: 'GRID',
      hasAudio: null,
    });
    assert.equal(req.session, 's');
    assert.equal(
      (await throughPipe(StartRecordingRequest, { session: 's', outputMode: '', recordingLayout: '' })).outputMode,
      '',
    );
  });
});

void describe(RecordingEnabledGuard.name, () => {
  const ctx = (body: unknown) =>
    ({ switchToHttp: () => ({ getRequest: () => ({ body }) }) }) as unknown as ExecutionContext;
  const guard = (on: boolean) => new RecordingEnabledGuard({ get: () => on } as unknown as OpenViduConfigService);

  void it('answers 501 for a JSON object body while recording is off, and lets the pipe answer anything else', () => {
    assert.throws(() => guard(false).canActivate(ctx({ session: 'x' })), NotImplementedError);
    assert.equal(guard(false).canActivate(ctx(undefined)), true);
    assert.equal(guard(false).canActivate(ctx([1])), true);
    assert.equal(guard(true).canActivate(ctx({ session: 'x' })), true);
  });
});
