/**
 * Errors with stable codes (after bolt-js src/errors.ts). A boundary (HTTP handler, CLI, pipeline) turns any
 * thrown value into a CodedError with `asCodedError()` and answers the user from its code, never its message.
 */
export enum ErrorCode {
  ConfigInvalid = 'config_invalid',
  DataInvalid = 'data_invalid',
  InputInvalid = 'input_invalid',
  InputTooLarge = 'input_too_large',
  UnknownAction = 'unknown_action',
  StoreUnavailable = 'store_unavailable',
  LockTimeout = 'lock_timeout',
  Duplicate = 'duplicate',
  TicketDelivery = 'ticket_delivery',
  Unauthorized = 'unauthorized',
  Internal = 'internal',
}

export class CodedError extends Error {
  readonly code: ErrorCode;
  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'CodedError';
    this.code = code;
  }
}

export function asCodedError(e: unknown): CodedError {
  if (e instanceof CodedError) return e;
  const message = e instanceof Error ? e.message : String(e);
  return new CodedError(ErrorCode.Internal, message, { cause: e });
}
