import { WEBHOOK_EVENT_NAMES } from '../config/config.schema.js';

/** CDREventName of 2.11 (docs/openvidu-api.md §6): the seven webhook events (§5) plus the two file-only ones. */
export const CDR_EVENT_NAMES = [...WEBHOOK_EVENT_NAMES, 'recordingStarted', 'recordingStopped'] as const;
export type CdrEventName = (typeof CDR_EVENT_NAMES)[number];

/** Emitted (EventEmitter2) once per CDR event, in order; the file writer and the webhook consume it. */
export const CDR_EVENT = 'cdr.event';

export interface CdrRecord {
  name: CdrEventName;
  /** The inner object of the CDR line, keys in OpenVidu's order: `sessionId`, `timestamp`, then the rest. */
  payload: Record<string, unknown>;
}

/** Name → payload of the CDR event (typed emit and `@OnAppEvent`). */
export interface CdrEventMap {
  [CDR_EVENT]: CdrRecord;
}

/** One CDR line: `{"<eventName>": {...}}` (CDREvent#toString). */
export function cdrLine(record: CdrRecord): string {
  return JSON.stringify({ [record.name]: record.payload });
}

/** The webhook body: the CDR object plus `"event": "<eventName>"` at the end (docs/openvidu-api.md §5). */
export function webhookBody(record: CdrRecord): string {
  return JSON.stringify({ ...record.payload, event: record.name });
}
