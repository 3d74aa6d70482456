import type { FastifyInstance } from 'fastify';
import { ref } from '../schemas/common.js';
import { HealthSchema, ReadinessSchema } from '../schemas/health.js';
import { HttpError } from '../plugins/errors.js';
import { errorResponse } from './responses.js';

export default async function healthRoutes(app: FastifyInstance) {
  app.get(
    '/healthz',
    {
      logLevel: 'warn',
      config: { shed: false },
      schema: {
        operationId: 'getHealth',
        tags: ['health'],
        summary: 'Liveness probe',
        description: 'Answers 200 while the process runs.',
        response: { 200: ref(HealthSchema) },
      },
    },
    async () => ({ status: 'ok' as const }),
  );

  app.get(
    '/readyz',
    {
      logLevel: 'warn',
      config: { shed: false },
      schema: {
        operationId: 'getReadiness',
        tags: ['health'],
        summary: 'Readiness probe',
        description: 'Answers 200 while the instance should receive traffic, 503 from the moment shutdown begins.',
        response: {
          200: ref(ReadinessSchema),
          503: errorResponse('Shutting down: send traffic elsewhere', { statusCode: 503, code: 'DRAINING', message: 'shutting down' }),
        },
      },
    },
    async () => {
      if (app.lifecycle.draining) {
        throw new HttpError(503, 'DRAINING', 'shutting down', { headers: { 'retry-after': '5' } });
      }
      return { status: 'ready' as const };
    },
  );
}
