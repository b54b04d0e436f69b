import type { IncomingMessage, ServerResponse } from 'node:http';
import { randomUUID } from 'node:crypto';
import type { Params } from 'nestjs-pino';
import type { AppConfig } from '../../config/app-config';

const EMAIL = /[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}/g;
// Phone-shaped: an international number (+ and 7–15 digits) or digit groups joined by spaces, dashes or parentheses.
// Bare digit runs (epoch times, migration names) and dotted IPs are left alone on purpose.
const PHONE = /\+\d[\d\s()-]{5,17}\d|\(?\d{2,5}\)?[\s-]\d{2,4}[\s-]\d{3,4}\b/g;
const DATE = /^\d{4}-\d{2}-\d{2}/;

/** Masks emails and phone numbers inside free text (error messages, log lines). */
export function scrubPii(text: string): string {
  return text.replace(EMAIL, '[email]').replace(PHONE, (match) => (DATE.test(match) ? match : '[phone]'));
}

function scrubDeep(value: unknown, depth: number): unknown {
  if (typeof value === 'string') {
    return scrubPii(value);
  }
  if (depth <= 0 || value === null || typeof value !== 'object') {
    return value;
  }
  if (value instanceof Error) {
    return {
      type: value.name,
      message: scrubPii(value.message),
      stack: value.stack ? scrubPii(value.stack) : undefined,
    };
  }
  if (Array.isArray(value)) {
    return value.map((item) => scrubDeep(item, depth - 1));
  }
  return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, scrubDeep(item, depth - 1)]));
}

/** Key names whose values are never logged, wherever they appear. */
export const REDACTED_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["x-api-key"]',
  'req.headers["x-chatwoot-signature"]',
  'req.headers["x-hub-signature-256"]',
  'res.headers["set-cookie"]',
  '*.authorization',
  '*.credentials',
  '*.password',
  '*.apiKey',
  '*.token',
  '*.accessToken',
  '*.refreshToken',
  '*.clientSecret',
  '*.secret',
  '*.email',
  '*.phone',
];

const REQUEST_ID = /^[A-Za-z0-9._-]{1,100}$/;

export function loggerParams(config: AppConfig): Params {
  return {
    pinoHttp: {
      level: config.logLevel,
      redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
      genReqId: (req: IncomingMessage, res: ServerResponse) => {
        const given = req.headers['x-request-id'];
        const id = typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID();
        res.setHeader('x-request-id', id);
        return id;
      },
      // Query strings can carry emails (?email=…): log the path only.
      serializers: {
        req: (req: { id: string; method: string; url: string }) => ({
          id: req.id,
          method: req.method,
          path: req.url.split('?')[0],
        }),
      },
      formatters: {
        log: (object: Record<string, unknown>) => scrubDeep(object, 6) as Record<string, unknown>,
      },
      hooks: {
        logMethod(args, method) {
          method.apply(this, args.map((arg) => (typeof arg === 'string' ? scrubPii(arg) : arg)) as typeof args);
        },
      },
      autoLogging: { ignore: (req: IncomingMessage) => /^\/(health|metrics)/.test(req.url ?? '') },
    },
  };
}
