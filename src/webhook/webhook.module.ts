import { Module } from '@nestjs/common';
import { WebhookService } from './webhook.service.js';

/** The 2.11 webhook (docs/openvidu-api.md §5), fed by the CDR events. */
@Module({ providers: [WebhookService], exports: [WebhookService] })
export class WebhookModule {}
