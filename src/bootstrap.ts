import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { Logger } from 'nestjs-pino';
import { AppModule } from './app.module';
import { bodyParserErrors, jsonBodyParser, rawBodyParser, requireJsonBody } from './common/http/body-parsing';
import { validationPipe } from './common/http/validation';
import type { AppConfig } from './config/app-config';
import { httpMetrics } from './metrics/http-metrics.middleware';
import { MetricsService } from './metrics/metrics.service';

/** Builds the Nest application for a role, fully configured but not listening (tests use it as it is). */
export async function createApp(
  config: AppConfig,
  role: AppConfig['role'] = config.role,
): Promise<NestExpressApplication> {
  const app = await NestFactory.create<NestExpressApplication>(AppModule.forRole(config, role), {
    bodyParser: false,
    bufferLogs: true,
  });
  app.useLogger(app.get(Logger));
  app.disable('x-powered-by');
  app.use(httpMetrics(app.get(MetricsService)));
  app.use(
    rawBodyParser(config.http.bodyLimitBytes),
    requireJsonBody,
    jsonBodyParser(config.http.bodyLimitBytes),
    bodyParserErrors,
  );
  app.useGlobalPipes(validationPipe());
  const document = SwaggerModule.createDocument(
    app,
    new DocumentBuilder()
      .setTitle('chat-crm-bridge')
      .setDescription(
        'Connects live-chat systems to CRMs: visitor enrichment, transcripts, escalations. ' +
          'Errors are application/problem+json (RFC 9457).',
      )
      .setVersion('1')
      .addBearerAuth({ type: 'http', scheme: 'bearer', description: 'Root token or workspace API key (ccb_…)' })
      .build(),
  );
  SwaggerModule.setup('docs', app, document, { jsonDocumentUrl: 'docs-json' });
  await app.init();
  return app;
}
