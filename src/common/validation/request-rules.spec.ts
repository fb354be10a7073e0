import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { BadRequestError, UnprocessableError } from '../errors.js';
import { IsOneOf, IsPresent, IsStringOrNull, JsonBody, rule, validateBody } from './request-rules.js';
import { assertRefused, throughPipe } from './validation.testing.js';

@JsonBody({ missing: 'no body', notObject: 'not an object' })
class Sample {
  @IsPresent(rule(3, 'a is mandatory'))
  @IsStringOrNull(rule(1, 'a type'))
  a!: string;

  @IsOneOf(['X', 'Y'], rule(2, ({ value, body }) => `b ${String(value)} with a ${String((body as Sample).a)}`, 422))
  @IsStringOrNull(rule(1, 'b type'))
  b?: string | null;
}

@JsonBody({ notObject: 'not an object' })
class Optional {
  @IsStringOrNull(rule(1, 'c type'))
  c?: string | null;
}

void describe('request rules and the validation pipe', () => {
  void it('answers the failed rule placed first, whatever the property order', async () => {
    await assertRefused(Sample, { a: 1, b: 'Z' }, 400, 'a type');
    await assertRefused(Sample, { b: 'Z' }, 422, 'b Z with a undefined');
    await assertRefused(Sample, { b: 'X' }, 400, 'a is mandatory');
  });

  void it('checks the body itself first: absent, or not an object', async () => {
    await assertRefused(Sample, undefined, 400, 'no body');
    await assertRefused(Sample, null, 400, 'no body');
    await assertRefused(Sample, [{ a: 'x' }], 400, 'not an object');
    await assertRefused(Optional, [], 400, 'not an object');
    const none = await throughPipe(Optional, undefined);
    assert.ok(none instanceof Optional);
  });

  void it('echoes request text verbatim (no $value / $property substitution)', async () => {
    await assertRefused(Sample, { a: 'x', b: '$property $value $& $1' }, 422, 'b $property $value $& $1 with a x');
  });

  void it('returns a typed instance without unknown keys; JSON nulls pass as absent', async () => {
    const s = await throughPipe(Sample, { a: 'x', b: null, other: 1 });
    assert.ok(s instanceof Sample);
    assert.equal(s.a, 'x');
    assert.equal(s.b, null);
    assert.ok(!('other' in s));
  });

  void it('validateBody runs the same rules for callers inside the process', () => {
    assert.throws(() => validateBody(Sample, { a: 'x', b: 'Z' }), UnprocessableError);
    assert.throws(() => validateBody(Sample, 'x'), BadRequestError);
    assert.equal(validateBody(Sample, { a: 'x', b: 'Y' }).b, 'Y');
  });
});
