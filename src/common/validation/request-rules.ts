import { plainToInstance } from 'class-transformer';
import {
  ValidateBy,
  validateSync,
  type ValidationArguments,
  type ValidationError,
  type ValidationOptions,
} from 'class-validator';
import type { OpenViduConfig } from '../../config/config.schema.js';
import { BadRequestError, DomainError, UnprocessableError } from '../errors.js';

/*
 * How request DTOs reproduce OpenVidu's hand-made checks with class-validator. OpenVidu stops at the
 * first failing check, in a fixed order, with one message and status per check; class-validator runs
 * every rule and reports them all. So each rule carries its place in that order (and its status and
 * message) as validation context, and `firstFailedRule` turns the lowest-placed failure into the
 * domain error the exception filter answers with.
 */

/** What a failed rule says: a fixed text, or one built from the value and the whole body. */
export type RuleMessage = string | ((failure: { value: unknown; body: object }) => string);

interface RuleContext {
  order: number;
  status: 400 | 422;
  message: RuleMessage;
}

/**
 * Validation options for one rule: `order` is its place in the check sequence (lower runs first).
 * The message is built here rather than by class-validator, which would rewrite `$value`,
 * `$property`... inside request text that OpenVidu echoes verbatim.
 */
export function rule(order: number, message: RuleMessage, status: 400 | 422 = 400): ValidationOptions {
  const context: RuleContext = { order, status, message };
  return { context, message: typeof message === 'string' ? message : 'invalid' };
}

const ERRORS: Record<RuleContext['status'], new (message: string) => DomainError> = {
  400: BadRequestError,
  422: UnprocessableError,
};

/** The ValidationPipe's exceptionFactory: the first failed rule in OpenVidu's order, as a domain error. */
export function firstFailedRule(errors: ValidationError[]): DomainError {
  let first: { ctx: RuleContext; error: ValidationError } | undefined;
  let fallback: string | undefined;
  const visit = (list: ValidationError[]) => {
    for (const error of list) {
      for (const [name, text] of Object.entries(error.constraints ?? {})) {
        const ctx = error.contexts?.[name] as RuleContext | undefined;
        if (!ctx) fallback ??= text;
        else if (!first || ctx.order < first.ctx.order) first = { ctx, error };
      }
      if (error.children?.length) visit(error.children);
    }
  };
  visit(errors);
  if (!first) return new BadRequestError(fallback ?? 'Invalid request body');
  const { ctx, error } = first;
  const message =
    typeof ctx.message === 'string' ? ctx.message : ctx.message({ value: error.value, body: error.target ?? {} });
  return new ERRORS[ctx.status](message);
}

/** What a request body must be before its fields are looked at; the messages OpenVidu gives otherwise. */
export interface BodyContract {
  /** No body at all; leave out when the body is optional (it then reads as `{}`). */
  missing?: string;
  /** A JSON array (the only other thing the JSON parser lets through). */
  notObject: string;
}

const contracts = new WeakMap<object, BodyContract>();

/** Marks a class as a request body DTO and says what OpenVidu answers when the body is absent or no object. */
export function JsonBody(contract: BodyContract): ClassDecorator {
  return (target) => void contracts.set(target, contract);
}

export function bodyContractOf(type: unknown): BodyContract | undefined {
  return typeof type === 'function' ? contracts.get(type) : undefined;
}

/** The body checks, for whatever runs ahead of the pipe and must not answer before them (e.g. a 501). */
export function checkBodyContract(contract: BodyContract, body: unknown): void {
  if (body === undefined || body === null) {
    if (contract.missing !== undefined) throw new BadRequestError(contract.missing);
  } else if (typeof body !== 'object' || Array.isArray(body)) {
    throw new BadRequestError(contract.notObject);
  }
}

/**
 * The pipe's work for callers inside the process (e.g. a restart asked for by code rather than over
 * HTTP), so both go through the same rules. Synchronous rules only.
 */
export function validateBody<T extends object>(type: new () => T, value: unknown): T {
  const contract = bodyContractOf(type);
  if (contract) checkBodyContract(contract, value);
  const body = plainToInstance(type, value ?? {});
  const errors = validateSync(body, { whitelist: true, validationError: { target: true, value: true } });
  if (errors.length) throw firstFailedRule(errors);
  return body;
}

/**
 * The configuration in force when a body was validated, for rules with configurable limits. The
 * validation pipe records it per validated object, so concurrent apps in one process never mix.
 */
const configs = new WeakMap<object, Readonly<OpenViduConfig>>();

export function setValidationConfig(body: object, config: Readonly<OpenViduConfig>): void {
  configs.set(body, config);
}

export function validationConfigOf(body: object): Readonly<OpenViduConfig> | undefined {
  return configs.get(body);
}

// ---- small rules OpenVidu's parsing needs and class-validator does not have ----

const isNil = (v: unknown): v is null | undefined => v === undefined || v === null;

/** A string, or absent/null (Gson hands a JSON null over as "not there"). */
export function IsStringOrNull(options: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    { name: 'isStringOrNull', validator: { validate: (v) => isNil(v) || typeof v === 'string' } },
    options,
  );
}

/** A boolean, or absent/null. */
export function IsBooleanOrNull(options: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    { name: 'isBooleanOrNull', validator: { validate: (v) => isNil(v) || typeof v === 'boolean' } },
    options,
  );
}

/** Present and not null. */
export function IsPresent(options: ValidationOptions): PropertyDecorator {
  return ValidateBy({ name: 'isPresent', validator: { validate: (v) => !isNil(v) } }, options);
}

/**
 * One of `values` when it is a non-empty string (Java's `if (x != null && !x.isEmpty())`); other
 * types are left to the type rule. With `emptyIsAbsent: false` the empty string must match too
 * (`valueOf("")` fails).
 */
export function IsOneOf(
  values: readonly string[],
  options: ValidationOptions & { emptyIsAbsent?: boolean; when?: (body: object) => boolean },
): PropertyDecorator {
  const { emptyIsAbsent = true, when, ...rest } = options;
  return ValidateBy(
    {
      name: 'isOneOf',
      validator: {
        validate: (v, args?: ValidationArguments) =>
          typeof v !== 'string' ||
          (emptyIsAbsent && v === '') ||
          (when !== undefined && !when(args!.object)) ||
          values.includes(v),
      },
    },
    rest,
  );
}
