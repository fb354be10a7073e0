import { Module } from '@nestjs/common';
import { WEBHOOK_SENDER_FACTORY, WebhookService, createWebhookSender } from './webhook.service.js';

/** The 2.11 webhook (docs/openvidu-api.md §5), fed by the CDR events. */
@Module({
  providers: [WebhookService, { provide: WEBHOOK_SENDER_FACTORY, useValue: createWebhookSender }],
  exports: [WebhookService],
})
export class WebhookModule {}
