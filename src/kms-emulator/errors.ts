// Error codes and `data.type` names exactly as Kurento's KurentoException.hpp and its JSON-RPC layer define them.

export const ErrorCode = {
  PARSE_ERROR: -32700,
  INVALID_REQUEST: -32600,
  METHOD_NOT_FOUND: -32601,
  INVALID_PARAMS: -32602,
  INTERNAL_ERROR: -32603,
  /** KMS's JsonRpc::getValue uses this for a missing or mistyped top-level parameter. */
  SERVER_ERROR_INIT: -32000,
  MARSHALL_ERROR: 40001,
  UNEXPECTED_ERROR: 40003,
  CONNECT_ERROR: 40004,
  UNSUPPORTED_MEDIA_TYPE: 40005,
  NOT_IMPLEMENTED: 40006,
  INVALID_SESSION: 40007,
  MALFORMED_TRANSACTION: 40008,
  NOT_ENOUGH_RESOURCES: 40009,
  MEDIA_OBJECT_TYPE_NOT_FOUND: 40100,
  MEDIA_OBJECT_NOT_FOUND: 40101,
  MEDIA_OBJECT_CONSTRUCTOR_NOT_FOUND: 40104,
  MEDIA_OBJECT_METHOD_NOT_FOUND: 40105,
  MEDIA_OBJECT_EVENT_NOT_SUPPORTED: 40106,
  MEDIA_OBJECT_ILLEGAL_PARAM_ERROR: 40107,
  MEDIA_OBJECT_NOT_AVAILABLE: 40108,
  MEDIA_OBJECT_NOT_FOUND_TRANSACTION_NO_COMMIT: 40109,
  MEDIA_OBJECT_TAG_KEY_NOT_FOUND: 40110,
  MEDIA_OBJECT_OPERATION_NOT_SUPPORTED: 40111,
  SDP_CREATE_ERROR: 40200,
  SDP_PARSE_ERROR: 40201,
  SDP_END_POINT_NO_LOCAL_SDP_ERROR: 40202,
  SDP_END_POINT_NO_REMOTE_SDP_ERROR: 40203,
  SDP_END_POINT_GENERATE_OFFER_ERROR: 40204,
  SDP_END_POINT_PROCESS_OFFER_ERROR: 40205,
  SDP_END_POINT_PROCESS_ANSWER_ERROR: 40206,
  SDP_CONFIGURATION_ERROR: 40207,
  SDP_END_POINT_ALREADY_NEGOTIATED: 40208,
  SDP_END_POINT_NOT_OFFER_GENERATED: 40209,
  SDP_END_POINT_ANSWER_ALREADY_PROCCESED: 40210,
  SDP_END_POINT_CANNOT_CREATE_SESSON: 40211,
  HTTP_END_POINT_REGISTRATION_ERROR: 40300,
  ICE_GATHER_CANDIDATES_ERROR: 40400,
  ICE_ADD_CANDIDATE_ERROR: 40401,
  SERVER_MANAGER_ERROR_KMD_NOT_FOUND: 40500,
  URI_PATH_FILE_NOT_FOUND: 40600,
  PLAYER_SEEK_FAIL: 40700,
} as const;

const TYPE_BY_CODE = new Map<number, string>();
for (const [name, code] of Object.entries(ErrorCode)) {
  // Standard JSON-RPC codes carry no data.type (KMS adds INVALID_PARAMS by hand only for "'params' is required").
  if (code >= 40000) TYPE_BY_CODE.set(code, name);
}

/** The `data.type` KMS attaches to a code, or undefined for JSON-RPC-level codes. */
export function errorTypeFor(code: number): string | undefined {
  return TYPE_BY_CODE.get(code);
}

export interface JsonRpcErrorBody {
  code: number;
  message: string;
  data?: unknown;
}

/** Thrown by handlers; the dispatcher turns it into a JSON-RPC error object. */
export class KmsError extends Error {
  constructor(
    readonly code: number,
    message: string,
    readonly type: string | undefined = errorTypeFor(code),
  ) {
    super(message);
    this.name = 'KmsError';
  }

  toJson(): JsonRpcErrorBody {
    const body: JsonRpcErrorBody = { code: this.code, message: this.message };
    if (this.type !== undefined) body.data = { type: this.type };
    return body;
  }
}

export function objectNotFound(id: string): KmsError {
  return new KmsError(ErrorCode.MEDIA_OBJECT_NOT_FOUND, `Object '${id}' not found`);
}

export function marshall(message: string): KmsError {
  return new KmsError(ErrorCode.MARSHALL_ERROR, message);
}
