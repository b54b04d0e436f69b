import type { ClassifiedError, FailureCode, JobFailure } from '../jobs/retry-policy';
import type { ConnectorKind } from './connector-kinds';

/** The closed set every vendor error is mapped onto; the job retry policy understands each. */
export type ConnectorErrorCode = FailureCode;

/**
 * A CRM call failed. Carries the unified code (and retry-after when the CRM gave one), the vendor's own code and
 * HTTP status for diagnosis, and never a credential.
 */
export class ConnectorError extends Error implements ClassifiedError {
  readonly failure: JobFailure;

  constructor(
    readonly kind: ConnectorKind,
    readonly code: ConnectorErrorCode,
    message: string,
    readonly details: { status?: number; vendorCode?: string; retryAfterMs?: number } = {},
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'ConnectorError';
    this.failure = {
      code,
      message: `${kind}: ${message}`,
      ...(details.retryAfterMs === undefined ? {} : { retryAfterMs: details.retryAfterMs }),
    };
  }
}

/** Parses Retry-After (seconds or HTTP date) into milliseconds. */
export function retryAfterMs(header: string | null | undefined, now = Date.now()): number | undefined {
  if (!header) {
    return undefined;
  }
  const seconds = Number(header);
  if (Number.isFinite(seconds)) {
    return Math.max(0, seconds * 1000);
  }
  const at = Date.parse(header);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

/** Rejected inbound webhook: bad signature, outside the replay window, or unparseable. */
export class WebhookRejectedError extends Error {
  constructor(
    readonly reason: 'bad_signature' | 'stale' | 'malformed',
    message: string,
  ) {
    super(message);
    this.name = 'WebhookRejectedError';
  }
}
