/**
 * The one place where failure kinds map to the SURFACE error codes and HTTP statuses.
 * Components throw `SluiceError`s; the HTTP layer renders them. Messages are written by us,
 * never built from request values, so they cannot echo secrets or personal data.
 */
export const ERROR_STATUS = {
  UNAUTHENTICATED: 401,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  VALIDATION_FAILED: 400,
  PAYLOAD_TOO_LARGE: 413,
  CONFLICT: 409,
  SIGNATURE_INVALID: 400,
  CONTRACT_NOT_APPROVED: 403,
  CONTRACT_REVOKED: 403,
  CONTRACT_EXPIRED: 403,
  CONTRACT_NOT_YET_VALID: 403,
  PURPOSE_NOT_ALLOWED: 403,
  QUOTA_EXCEEDED: 403,
  COMPLIANCE_BLOCKED: 403,
  CORE_DATA_PROHIBITED: 403,
  KMS_UNAVAILABLE: 503,
  LEDGER_UNAVAILABLE: 503,
  PROVIDER_UNAVAILABLE: 502,
  GROUP_TOO_SMALL: 422,
  DISCLOSURE_RISK: 403,
  PRIVACY_BUDGET_EXHAUSTED: 403,
  RESULT_NOT_RELEASED: 409,
  KEY_DESTROYED: 410,
  KEY_DISABLED: 403,
  KMS_SEALED: 503,
  DECRYPT_FAILED: 400,
  RATE_LIMITED: 429,
  RANGE_NOT_SATISFIABLE: 416,
  PACKAGE_EXPIRED: 410,
  IDEMPOTENCY_KEY_REUSED: 422,
  INTERNAL: 500,
} as const;

export type ErrorCode = keyof typeof ERROR_STATUS;

export type ErrorDetails = Record<string, unknown>;

export class SluiceError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  readonly details: ErrorDetails | undefined;

  constructor(code: ErrorCode, message: string, details?: ErrorDetails, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'SluiceError';
    this.code = code;
    this.status = ERROR_STATUS[code];
    this.details = details;
  }

  toBody(): ErrorBody {
    const error: ErrorBody['error'] = { code: this.code, message: this.message };
    if (this.details !== undefined) error.details = this.details;
    return { error };
  }
}

export interface ErrorBody {
  error: { code: ErrorCode; message: string; details?: ErrorDetails };
}

export function isSluiceError(value: unknown): value is SluiceError {
  return value instanceof SluiceError;
}

/** Shorthands for the codes thrown most often. */
export const fail = {
  unauthenticated: (message = 'missing or invalid token') => new SluiceError('UNAUTHENTICATED', message),
  forbidden: (message = 'not allowed for this party') => new SluiceError('FORBIDDEN', message),
  notFound: (what: string) => new SluiceError('NOT_FOUND', `${what} not found`),
  validation: (message: string, details?: ErrorDetails) => new SluiceError('VALIDATION_FAILED', message, details),
  conflict: (message: string, details?: ErrorDetails) => new SluiceError('CONFLICT', message, details),
  kmsUnavailable: (cause?: unknown) =>
    new SluiceError('KMS_UNAVAILABLE', 'key management service unavailable; nothing was released', undefined, { cause }),
};
