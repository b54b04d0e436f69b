import { type ArgumentsHost, Catch, type ExceptionFilter, HttpException, Logger } from '@nestjs/common';
import type { Request, Response } from 'express';
import { DomainError } from './domain-error';
import { problem, sendProblem, STATUS_BY_CATEGORY } from './problem-details';

function requestIdOf(req: Request): string | undefined {
  const id = (req as Request & { id?: unknown }).id;
  return typeof id === 'string' ? id : undefined;
}

/** The one place where errors become HTTP: domain errors by category, framework errors by status, the rest 500. */
@Catch()
export class ProblemDetailsFilter implements ExceptionFilter {
  private readonly logger = new Logger('http');

  catch(error: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    const req = http.getRequest<Request>();
    const res = http.getResponse<Response>();
    const context = { instance: req.originalUrl.split('?')[0], requestId: requestIdOf(req) };

    if (error instanceof DomainError) {
      const status = STATUS_BY_CATEGORY[error.category];
      const headers: Record<string, string> = {};
      if (error.extras.retryAfterSeconds !== undefined) {
        headers['retry-after'] = String(error.extras.retryAfterSeconds);
      }
      if (status === 401) {
        headers['www-authenticate'] = 'Bearer';
      }
      sendProblem(
        res,
        problem(status, error.code, error.message, {
          ...context,
          ...(error.extras.fields ? { errors: error.extras.fields } : {}),
        }),
        headers,
      );
      return;
    }
    if (error instanceof HttpException) {
      const status = error.getStatus();
      const body = error.getResponse();
      if (status === 503 && typeof body === 'object' && body !== null && 'details' in body) {
        // A failed readiness check: probes and operators want terminus' per-check breakdown as it is.
        res.status(503).json(body);
        return;
      }
      const code = status === 404 ? 'route_not_found' : `http_${status}`;
      const detail = status === 404 ? `No route for ${req.method} ${context.instance}` : error.message;
      sendProblem(res, problem(status, code, detail, context));
      return;
    }
    this.logger.error({ err: error, requestId: context.requestId }, 'unhandled error');
    sendProblem(res, problem(500, 'internal_error', 'An unexpected error occurred; it has been logged', context));
  }
}
