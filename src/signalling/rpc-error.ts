/** OpenVidu's JSON-RPC error codes (openvidu-client `OpenViduException.Code`, docs/openvidu-api.md §8). */
export const RpcCode = {
  GENERIC: 999,
  TRANSPORT_ERROR: 803,
  USER_UNAUTHORIZED: 401,
  USER_NOT_FOUND: 102,
  USER_NOT_STREAMING: 105,
  ROOM_NOT_FOUND: 202,
  ROOM_CLOSED: 203,
  ROOM_CANNOT_BE_CREATED: 204,
  MEDIA_SDP_ERROR: 302,
  MEDIA_ENDPOINT_ERROR: 303,
  EXISTING_FILTER_ALREADY_APPLIED: 405,
  FILTER_NOT_APPLIED: 406,
  FILTER_EVENT_LISTENER_NOT_FOUND: 407,
  USER_METADATA_FORMAT_INVALID: 500,
  SIGNAL_FORMAT_INVALID: 600,
  SIGNAL_TO_INVALID: 601,
  SIGNAL_MESSAGE_INVALID: 602,
  RECONNECTION_ERROR: 40007,
} as const;

export class RpcError extends Error {
  constructor(
    readonly code: number,
    message: string,
    readonly data?: unknown,
  ) {
    super(message);
    this.name = 'RpcError';
  }
}
