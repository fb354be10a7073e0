import { CanActivate, ExecutionContext, Inject, Injectable } from '@nestjs/common';
import { ValidateBy, type ValidationOptions } from 'class-validator';
import type { Request } from 'express';
import { NotImplementedError } from '../common/errors.js';
import {
  IsBooleanOrNull,
  IsOneOf,
  IsPresent,
  IsStringOrNull,
  JsonBody,
  rule,
} from '../common/validation/request-rules.js';
import { OpenViduConfigService } from '../config/config.service.js';
import { OUTPUT_MODES, RECORDING_LAYOUTS, type OutputMode, type RecordingLayout } from '../sessions/session.types.js';

/*
 * The body of POST /api/recordings/start, checked in the order SessionRestController (2.11) runs its
 * checks (each rule's first argument is its place): types, `session`, `outputMode`, then the
 * COMPOSED-only `resolution` and `recordingLayout`, then audio/video. Unknown keys are dropped.
 */

const TYPE_ERROR = 'Type error in some parameter';

/** FormatChecker#isAcceptableRecordingResolution: each side 100–1999, no leading zero. */
export const RESOLUTION = /^(?!0)(\d{3}|1\d{3})x(?!0)(\d{3}|1\d{3})$/;

const composed = (body: object) => (body as StartRecordingRequest).outputMode === 'COMPOSED';

/** Checked only when `outputMode` is explicitly COMPOSED, as 2.11 does. */
function IsRecordingResolution(options: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'isRecordingResolution',
      validator: { validate: (v, args) => typeof v !== 'string' || !composed(args!.object) || RESOLUTION.test(v) },
    },
    options,
  );
}

function IsNotBothFalseWithAudio(options: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'isNotBothFalseWithAudio',
      validator: {
        validate: (v, args) => !(v === false && (args!.object as StartRecordingRequest).hasAudio === false),
      },
    },
    options,
  );
}

@JsonBody({ missing: 'Error in body parameters. Cannot be empty', notObject: TYPE_ERROR })
export class StartRecordingRequest {
  @IsPresent(rule(2, '"session" parameter is mandatory'))
  @IsStringOrNull(rule(1, TYPE_ERROR))
  session!: string;

  @IsStringOrNull(rule(1, TYPE_ERROR))
  name?: string | null;

  @IsOneOf(OUTPUT_MODES, rule(3, TYPE_ERROR))
  @IsStringOrNull(rule(1, TYPE_ERROR))
  outputMode?: OutputMode | '' | null;

  @IsRecordingResolution(
    rule(4, 'Wrong "resolution" parameter. Acceptable values from 100 to 1999 for both width and height', 422),
  )
  @IsStringOrNull(rule(1, TYPE_ERROR))
  resolution?: string | null;

  @IsOneOf(RECORDING_LAYOUTS, { ...rule(5, TYPE_ERROR), when: composed })
  @IsStringOrNull(rule(1, TYPE_ERROR))
  recordingLayout?: RecordingLayout | '' | null;

  @IsStringOrNull(rule(1, TYPE_ERROR))
  customLayout?: string | null;

  @IsBooleanOrNull(rule(1, TYPE_ERROR))
  hasAudio?: boolean | null;

  @IsNotBothFalseWithAudio(rule(6, 'Cannot start a recording with both "hasAudio" and "hasVideo" set to false', 422))
  @IsBooleanOrNull(rule(1, TYPE_ERROR))
  hasVideo?: boolean | null;
}

/**
 * `openvidu.recording=false`: OpenVidu answers the recordings API with an empty 501; like every 501
 * here it says which property turns the feature on (clients read the status only).
 */
export class RecordingDisabledError extends NotImplementedError {}

/**
 * The 501 comes after the body is known to be a JSON object (a missing or non-object body is the
 * validation pipe's 400, as in 2.11) and before any of its fields is checked, so it runs ahead of
 * the pipe and lets what is not an object through to it.
 */
@Injectable()
export class RecordingEnabledGuard implements CanActivate {
  constructor(@Inject(OpenViduConfigService) private readonly config: OpenViduConfigService) {}

  canActivate(context: ExecutionContext): boolean {
    const body: unknown = context.switchToHttp().getRequest<Request>().body;
    const isObject = typeof body === 'object' && body !== null && !Array.isArray(body);
    if (isObject && !this.config.get('openvidu.recording')) {
      throw new RecordingDisabledError(
        'Recording is disabled: the recordings API needs openvidu.recording=true (environment OPENVIDU_RECORDING=true)',
      );
    }
    return true;
  }
}
