import { STATUS_CODES } from 'node:http';

/** Reference §2.0: `{timestamp, status, error, message, path}` with an epoch-ms timestamp. */
export interface OpenViduErrorBody {
  timestamp: number;
  status: number;
  error: string;
  message: string;
  path: string;
}

export function errorBody(status: number, message: string, path: string): OpenViduErrorBody {
  return { timestamp: Date.now(), status, error: STATUS_CODES[status] ?? 'Error', message, path };
}
