import { ValidateBy, type ValidationOptions } from 'class-validator';
import { IsOneOf, IsPresent, IsStringOrNull, JsonBody, rule } from '../common/validation/request-rules.js';
import { isWsUri } from '../config/config.schema.js';
import type { MediaServerStatus } from './media-server.js';

/*
 * Bodies of POST /pro/media-servers and PATCH /pro/media-servers/<id> (docs/openvidu-api.md §3.3).
 * Each rule's first argument is its place in the check order; unknown keys are dropped.
 */

const REGISTER_BODY = 'Body must be a JSON object with a "uri" string';
const STATUS_BODY = 'Body must be a JSON object with a "status" string';

function IsWsUri(options: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    { name: 'isWsUri', validator: { validate: (v) => typeof v !== 'string' || isWsUri(v.trim()) } },
    options,
  );
}

/** POST: the media server's Kurento URI, `ws://` or `wss://` (surrounding blanks are dropped). */
@JsonBody({ missing: REGISTER_BODY, notObject: REGISTER_BODY })
export class RegisterMediaServerRequest {
  @IsWsUri(rule(2, ({ value }) => `"uri" must be a ws:// or wss:// URI, got "${value as string}"`))
  @IsPresent(rule(1, REGISTER_BODY))
  @IsStringOrNull(rule(1, REGISTER_BODY))
  uri!: string;
}

export const SETTABLE_STATUSES = [
  'running',
  'waiting-idle-to-terminate',
] as const satisfies readonly MediaServerStatus[];

/** PATCH: `running`, or `waiting-idle-to-terminate` to drain it (later OpenVidu Pro's media-node status). */
@JsonBody({ missing: STATUS_BODY, notObject: STATUS_BODY })
export class MediaServerStatusRequest {
  @IsOneOf(SETTABLE_STATUSES, {
    ...rule(2, ({ value }) => `"status" must be "running" or "waiting-idle-to-terminate", got "${value as string}"`),
    emptyIsAbsent: false,
  })
  @IsPresent(rule(1, STATUS_BODY))
  @IsStringOrNull(rule(1, STATUS_BODY))
  status!: (typeof SETTABLE_STATUSES)[number];
}
