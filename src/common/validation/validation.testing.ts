import assert from 'node:assert/strict';
import { defaultConfig, type OpenViduConfig } from '../../config/config.schema.js';
import type { OpenViduConfigService } from '../../config/config.service.js';
import { DomainError } from '../errors.js';
import { OpenViduValidationPipe } from './openvidu-validation.pipe.js';

/** For unit specs: a body through the global pipe, as the app runs it, with the given configuration. */
export function throughPipe<T>(type: new () => T, body: unknown, config: Partial<OpenViduConfig> = {}): Promise<T> {
  const snapshot = { ...defaultConfig(), ...config };
  const pipe = new OpenViduValidationPipe({ snapshot: () => snapshot } as unknown as OpenViduConfigService);
  return pipe.transform(body, { type: 'body', metatype: type }) as Promise<T>;
}

/** Asserts the pipe answers `body` with exactly this status and message. */
export async function assertRefused(
  type: new () => unknown,
  body: unknown,
  status: number,
  message: string,
  config: Partial<OpenViduConfig> = {},
): Promise<void> {
  await assert.rejects(throughPipe(type, body, config), (e: unknown) => {
    assert.ok(e instanceof DomainError, `${JSON.stringify(body)}: ${String(e)}`);
    assert.equal(e.message, message, JSON.stringify(body));
    assert.equal(e.status, status, JSON.stringify(body));
    return true;
  });
}
