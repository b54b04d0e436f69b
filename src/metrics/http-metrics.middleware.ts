import type { RequestHandler } from 'express';
import type { MetricsService } from './metrics.service';

/** Latency per route template (`/v1/api-keys/:id`), never per concrete URL: ids would explode the label set. */
export function httpMetrics(metrics: MetricsService): RequestHandler {
  return (req, res, next) => {
    const started = process.hrtime.bigint();
    res.on('finish', () => {
      const route = (req.route as { path?: string } | undefined)?.path;
      const template = route ? `${req.baseUrl}${route}` : 'unmatched';
      metrics.observeHttp(req.method, template, res.statusCode, Number(process.hrtime.bigint() - started) / 1e9);
    });
    next();
  };
}
