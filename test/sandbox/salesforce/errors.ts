import type { Response } from 'express';

/**
 * Salesforce REST error bodies are JSON arrays of `{message, errorCode, fields?}`; inside sObject Collections results
 * the same information is `{statusCode, message, fields}`. Status codes:
 * https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/errorcodes.htm
 */

export interface DuplicateResult {
  allowSave: boolean;
  duplicateRule: string;
  duplicateRuleEntityType: string;
  errorMessage: string;
  matchResults: Array<{
    entityType: string;
    errors: unknown[];
    matchEngine: string;
    matchRecords: Array<{
      additionalInformation: unknown[];
      fieldDiffs: unknown[];
      matchConfidence: number;
      record: { attributes: { type: string; url: string }; Id: string };
    }>;
    rule: string;
    size: number;
    success: boolean;
  }>;
}

/** Text of a JSON scalar as Salesforce echoes it; objects and arrays as JSON (they are errors anyway). */
export function scalarText(value: unknown): string {
  if (value === null || value === undefined) {
    return '';
  }
  if (typeof value === 'string') {
    return value;
  }
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') {
    return String(value);
  }
  return JSON.stringify(value) ?? '';
}

/** One failed record write, as sObject Collections reports it per record and single-record routes report with 400. */
export class DmlError extends Error {
  constructor(
    readonly statusCode: string,
    message: string,
    readonly fields: string[] = [],
    readonly extra: { duplicateResult?: DuplicateResult; httpStatus?: number; requestLevel?: boolean } = {},
  ) {
    super(message);
    this.name = 'DmlError';
  }

  /** `requestLevel` errors (bad JSON, unknown field) fail a whole collections request instead of one record. */
  get requestLevel(): boolean {
    return this.extra.requestLevel ?? false;
  }

  toRestError(): Record<string, unknown> {
    return {
      ...(this.extra.duplicateResult ? { duplicateResult: this.extra.duplicateResult } : {}),
      errorCode: this.statusCode,
      message: this.message,
      fields: this.fields,
    };
  }

  toCollectionError(): Record<string, unknown> {
    return {
      statusCode: this.statusCode,
      message: this.message,
      fields: this.fields,
      ...(this.extra.duplicateResult ? { duplicateResult: this.extra.duplicateResult } : {}),
    };
  }
}

export function sendErrors(res: Response, status: number, errors: Array<Record<string, unknown>>): void {
  res.status(status).json(errors);
}

export function sendError(res: Response, status: number, errorCode: string, message: string, fields?: string[]): void {
  sendErrors(res, status, [{ message, errorCode, ...(fields ? { fields } : {}) }]);
}

export const NOT_FOUND_MESSAGE = 'The requested resource does not exist';

export function sendNotFound(res: Response, message = NOT_FOUND_MESSAGE): void {
  sendError(res, 404, 'NOT_FOUND', message);
}

export function sendInvalidSession(res: Response): void {
  sendError(res, 401, 'INVALID_SESSION_ID', 'Session expired or invalid');
}

/** Bodies for statuses the fault injector forces; shaped like what Salesforce sends for each. */
export function renderInjectedError(res: Response, status: number): void {
  if (res.req.path.startsWith('/services/oauth2/')) {
    res
      .status(status)
      .json({ error: status >= 500 ? 'server_error' : 'invalid_request', error_description: 'injected fault' });
    return;
  }
  switch (status) {
    case 401:
      sendInvalidSession(res);
      return;
    case 403:
      sendError(res, 403, 'REQUEST_LIMIT_EXCEEDED', 'ConcurrentPerOrgLongTxn Limit exceeded.');
      return;
    case 404:
      sendNotFound(res);
      return;
    case 429:
    case 420:
      sendError(res, status, 'REQUEST_LIMIT_EXCEEDED', 'TotalRequests Limit exceeded.');
      return;
    case 500:
      sendError(
        res,
        500,
        'UNKNOWN_EXCEPTION',
        'An unexpected error occurred. Please include this ErrorId if you contact support: 1736189542-81234 (-1289347501)',
      );
      return;
    case 502:
    case 503:
    case 504:
      sendError(res, status, 'SERVER_UNAVAILABLE', 'Server temporarily unavailable. Try again later.');
      return;
    default:
      sendError(res, status, status >= 500 ? 'UNKNOWN_EXCEPTION' : 'BAD_REQUEST', `HTTP ${status}`);
  }
}
