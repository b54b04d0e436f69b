import express, { type ErrorRequestHandler, type RequestHandler } from 'express';
import { problem, sendProblem } from '../errors/problem-details';

export interface RawBodyRequest {
  rawBody?: Buffer;
}

const METHODS_WITH_BODY = new Set(['POST', 'PUT', 'PATCH']);

/** Any JSON media type (application/json, application/problem+json, …), with or without parameters. */
function isJson(contentType: string | undefined): boolean {
  if (!contentType) {
    return false;
  }
  const mediaType = contentType.split(';')[0]?.trim().toLowerCase() ?? '';
  return mediaType === 'application/json' || /^application\/[a-z0-9.+-]*\+json$/.test(mediaType);
}

/** CRMs post webhooks in their own formats (Salesforce sends SOAP XML): these paths take any body, kept raw. */
export const ANY_BODY_PATH = '/v1/webhooks/crm/';

export function rawBodyParser(limitBytes: number): RequestHandler {
  const parse = express.raw({ limit: limitBytes, type: () => true });
  return (req, res, next) => {
    if (!req.path.startsWith(ANY_BODY_PATH)) {
      next();
      return;
    }
    parse(req, res, (error?: unknown) => {
      if (!error && Buffer.isBuffer(req.body)) {
        (req as RawBodyRequest).rawBody = req.body;
      }
      next(error);
    });
  };
}

/** A body that is not JSON gets 415 before anything reads it; an empty POST is fine (validation decides). */
export const requireJsonBody: RequestHandler = (req, res, next) => {
  if (req.path.startsWith(ANY_BODY_PATH)) {
    next();
    return;
  }
  const hasBody = Number(req.headers['content-length'] ?? 0) > 0 || req.headers['transfer-encoding'] !== undefined;
  if (METHODS_WITH_BODY.has(req.method) && hasBody && !isJson(req.headers['content-type'])) {
    sendProblem(
      res,
      problem(415, 'unsupported_media_type', 'Request bodies must be application/json', {
        instance: req.originalUrl.split('?')[0],
      }),
    );
    return;
  }
  next();
};

/** Parses JSON up to `limitBytes`, keeping the raw bytes for signature checks (webhooks sign the exact body). */
export function jsonBodyParser(limitBytes: number): RequestHandler {
  return express.json({
    limit: limitBytes,
    type: (req) => isJson(req.headers['content-type']),
    // Objects and arrays only: a bare string or number is never a valid request here.
    strict: true,
    verify: (req, _res, buffer) => {
      (req as RawBodyRequest).rawBody = buffer;
    },
  });
}

/** body-parser reports its failures as errors with a status; they become problem+json like everything else. */
export const bodyParserErrors: ErrorRequestHandler = (error: unknown, req, res, next) => {
  const failure = error as { type?: string; status?: number };
  const instance = req.originalUrl.split('?')[0];
  if (failure.type === 'entity.too.large') {
    sendProblem(res, problem(413, 'body_too_large', 'The request body is larger than the limit', { instance }));
    return;
  }
  if (failure.type === 'entity.parse.failed') {
    sendProblem(res, problem(400, 'malformed_json', 'The request body is not valid JSON', { instance }));
    return;
  }
  if (failure.type === 'encoding.unsupported' || failure.type === 'charset.unsupported') {
    sendProblem(res, problem(415, 'unsupported_encoding', 'Unsupported body encoding or charset', { instance }));
    return;
  }
  if (typeof failure.status === 'number' && failure.status >= 400 && failure.status < 500) {
    sendProblem(res, problem(failure.status, 'bad_body', 'The request body could not be read', { instance }));
    return;
  }
  next(error);
};
