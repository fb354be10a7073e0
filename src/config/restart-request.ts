import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import { ValidateBy } from 'class-validator';
import type { Request } from 'express';
import { JsonBody, rule, validateBody } from '../common/validation/request-rules.js';
import { OpenViduConfig, PROPERTY_BY_KEY } from './config.schema.js';
import { checkJsonType, checkValue } from './config.values.js';

/*
 * The body of POST /pro/restart (docs/openvidu-api.md §3.2): its keys are OpenVidu property names,
 * checked against the property table. It reaches the validation pipe as a list of (name, value)
 * pairs: the pipe drops `__proto__`, `constructor` and `prototype` keys from objects, and a restart
 * must name those as unknown properties rather than apply the rest as if they were not there.
 */

const NOT_AN_OBJECT = 'Body must be a JSON object whose keys are OpenVidu property names';

type Entries = Array<[string, unknown]>;

/** Why each pair cannot be applied, in body order: unknown key, not restartable, wrong type, bad value. */
export function restartProblems(entries: Entries): string[] {
  const problems: string[] = [];
  for (const [key, value] of entries) {
    const def = PROPERTY_BY_KEY.get(key);
    if (!def) {
      problems.push(`"${key}" is not a known property`);
      continue;
    }
    if (!def.restartable) {
      problems.push(`"${key}" cannot be changed by a restart; set it in the environment or the config file`);
      continue;
    }
    const typed = checkJsonType(def, value);
    if (!typed.ok) {
      problems.push(`"${key}" ${typed.reason}`);
      continue;
    }
    const bad = checkValue(def, typed.value);
    if (bad) problems.push(`"${key}" ${bad}`);
  }
  return problems;
}

const isEntries = (v: unknown): v is Entries =>
  Array.isArray(v) && v.every((e) => Array.isArray(e) && e.length === 2 && typeof e[0] === 'string');

@JsonBody({ missing: NOT_AN_OBJECT, notObject: NOT_AN_OBJECT })
export class RestartRequest {
  @ValidateBy(
    { name: 'isRestartableProperties', validator: { validate: (v) => isEntries(v) && !restartProblems(v).length } },
    rule(1, ({ value }) =>
      isEntries(value) ? `Invalid restart request: ${restartProblems(value).join('; ')}` : NOT_AN_OBJECT,
    ),
  )
  entries: Entries = [];

  /** The new values, once valid. */
  get updates(): Partial<OpenViduConfig> {
    return Object.fromEntries(this.entries);
  }

  /** A restart asked for inside the process goes through the same rules as the HTTP body. */
  static from(body: unknown): RestartRequest {
    return body instanceof RestartRequest ? body : validateBody(RestartRequest, asPropertyList(body));
  }
}

function asPropertyList(body: unknown): unknown {
  return typeof body === 'object' && body !== null && !Array.isArray(body) ? { entries: Object.entries(body) } : body;
}

/**
 * The restart body as a `RestartRequest` for the pipe. The JSON parser turns an empty body into `{}`;
 * a restart needs one (Spring: a required @RequestBody), so an empty request reads as no body.
 */
export const RestartBody = createParamDecorator((_: unknown, ctx: ExecutionContext): unknown => {
  const req = ctx.switchToHttp().getRequest<Request>();
  const length = req.headers['content-length'];
  const empty = (length === '0' || length === undefined) && !req.headers['transfer-encoding'];
  return empty ? undefined : asPropertyList(req.body);
});
