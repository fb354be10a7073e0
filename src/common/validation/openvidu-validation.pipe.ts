import { Inject, Injectable, ValidationPipe, type ArgumentMetadata } from '@nestjs/common';
import type { ValidationError, ValidatorOptions } from 'class-validator';
import { OpenViduConfigService } from '../../config/config.service.js';
import { bodyContractOf, checkBodyContract, firstFailedRule, setValidationConfig } from './request-rules.js';

/**
 * The global pipe: request DTOs become typed objects or the first failed OpenVidu check. Unknown keys
 * are dropped (OpenVidu ignores them), not refused; the body checks of `@JsonBody` come first, since
 * the pipe would otherwise read an absent body as `{}`.
 */
@Injectable()
export class OpenViduValidationPipe extends ValidationPipe {
  constructor(@Inject(OpenViduConfigService) private readonly config: OpenViduConfigService) {
    super({
      whitelist: true,
      transform: true,
      // Custom body decorators (e.g. the restart body) carry DTOs too.
      validateCustomDecorators: true,
      // Rule messages are built from the body the rule was checked on.
      validationError: { target: true, value: true },
      exceptionFactory: (errors: ValidationError[]) => firstFailedRule(errors),
    });
  }

  override async transform(value: unknown, metadata: ArgumentMetadata): Promise<unknown> {
    const contract = bodyContractOf(metadata.metatype);
    if (contract) checkBodyContract(contract, value);
    return super.transform(value, metadata);
  }

  protected override validate(object: object, options?: ValidatorOptions) {
    setValidationConfig(object, this.config.snapshot());
    return super.validate(object, options);
  }
}
