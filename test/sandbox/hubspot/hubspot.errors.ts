import { randomUUID } from 'node:crypto';
import type { Response } from 'express';

/**
 * HubSpot's error envelope: {status:'error', message, correlationId, category, [subCategory], [context], [errors]}.
 * https://developers.hubspot.com/docs/api-reference/error-handling ("Error responses"), and the SDK's ModelError.
 * The @hubspot/api-client ApiException carries this parsed body as `.body` and the status as `.code`.
 */
export interface HsErrorBody {
  status: 'error';
  message: string;
  correlationId: string;
  category?: string;
  subCategory?: string;
  context?: Record<string, string[]>;
  errors?: Array<Record<string, unknown>>;
  [extra: string]: unknown;
}

/** Renders any client-supplied value for an error message (objects as JSON, not "[object Object]"). */
export function show(value: unknown): string {
  if (typeof value === 'string') {
    return value;
  }
  return JSON.stringify(value) ?? String(value);
}

export class HsHttpError extends Error {
  constructor(
    readonly httpStatus: number,
    readonly body: HsErrorBody,
    readonly headers: Record<string, string> = {},
  ) {
    super(body.message);
  }
}

export function errorBody(message: string, category?: string, extra: Record<string, unknown> = {}): HsErrorBody {
  return {
    status: 'error',
    message,
    correlationId: randomUUID(),
    ...(category === undefined ? {} : { category }),
    ...extra,
  };
}

export function sendError(
  res: Response,
  status: number,
  body: HsErrorBody,
  headers: Record<string, string> = {},
): void {
  if (res.headersSent) {
    return;
  }
  res.set(headers).status(status).json(body);
}

export const validationError = (message: string, extra: Record<string, unknown> = {}): HsHttpError =>
  new HsHttpError(400, errorBody(message, 'VALIDATION_ERROR', extra));

export const notFoundError = (message = 'resource not found', extra: Record<string, unknown> = {}): HsHttpError =>
  new HsHttpError(404, errorBody(message, 'OBJECT_NOT_FOUND', extra));

export const unknownObjectType = (raw: string): HsHttpError =>
  validationError(`Unable to infer object type from: ${raw}`);

/** One entry of the "Property values were not valid" list, as HubSpot serialises it into the message. */
export interface PropertyProblem {
  isValid: false;
  message: string;
  error: string;
  name: string;
  localizedErrorMessage: string;
}

export function propertyProblem(name: string, error: string, message: string): PropertyProblem {
  return { isValid: false, message, error, name, localizedErrorMessage: message };
}

/**
 * HubSpot embeds the problem list as JSON inside `message` ("Property values were not valid: [{...}]") and, in
 * newer responses, repeats it as structured `errors` entries.
 */
export function propertyValidationError(problems: PropertyProblem[]): HsHttpError {
  return validationError(`Property values were not valid: ${JSON.stringify(problems)}`, {
    errors: problems.map((p) => ({
      message: p.message,
      code: p.error,
      context: { propertyName: [p.name] },
    })),
  });
}

const AUTH_HELP =
  'Authentication credentials not found. This API supports OAuth 2.0 authentication and you can find more details at https://developers.hubspot.com/docs/methods/auth/oauth-overview';

export const missingAuthBody = (): HsErrorBody => errorBody(AUTH_HELP, 'INVALID_AUTHENTICATION');

export const expiredAuthBody = (minutesAgo: number): HsErrorBody =>
  errorBody(`The OAuth token used to make this call expired ${minutesAgo} minute(s) ago.`, 'EXPIRED_AUTHENTICATION');

/** The 429 bodies: the SDK's RetryDecorator keys on `policyName` (TEN_SECONDLY_ROLLING) and this exact secondly text. */
export function rateLimitBody(policy: 'TEN_SECONDLY_ROLLING' | 'SECONDLY' | 'DAILY'): HsErrorBody {
  const message =
    policy === 'TEN_SECONDLY_ROLLING'
      ? 'You have reached your ten_secondly_rolling limit.'
      : policy === 'SECONDLY'
        ? 'You have reached your secondly limit.'
        : 'You have reached your daily limit.';
  return {
    status: 'error',
    message,
    errorType: 'RATE_LIMIT',
    correlationId: randomUUID(),
    policyName: policy,
    groupName: 'publicapi',
  };
}

/** Bodies for statuses the fault injector forces (and for the catch-all handlers). */
export function genericErrorBody(status: number): HsErrorBody {
  switch (status) {
    case 400:
      return errorBody('Invalid input', 'VALIDATION_ERROR');
    case 401:
      return missingAuthBody();
    case 403:
      return errorBody(
        "This app hasn't been granted all required scopes to make this call. Read more about required scopes here: https://developers.hubspot.com/scopes.",
        'MISSING_SCOPES',
      );
    case 404:
      return errorBody('resource not found', 'OBJECT_NOT_FOUND');
    case 409:
      return errorBody('Conflict', 'CONFLICT');
    case 429:
      return rateLimitBody('TEN_SECONDLY_ROLLING');
    case 502:
    case 503:
    case 504:
      return errorBody('The service is temporarily unavailable, please try again later.', 'SERVICE_UNAVAILABLE');
    default:
      return status >= 500 ? errorBody('internal error', 'INTERNAL_ERROR') : errorBody('Error', 'VALIDATION_ERROR');
  }
}
