import type { FastifyInstance } from 'fastify';
import { ref } from '../schemas/common.js';
import { HealthSchema, ReadinessSchema } from '../schemas/health.js';
import { HttpError } from '../plugins/errors.js';
import { errorResponse } from './responses.js';
import { noSecurity } from '../schemas/security.js';

export default async function healthRoutes(app: FastifyInstance) {
  app.get(
    '/healthz',
    {
      logLevel: 'warn',
      config: { shed: false },
      schema: {
        operationId: 'getHealth',
        security: noSecurity,
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
        security: noSecurity,
        tags: ['health'],
        summary: 'Readiness probe',
        description:
          'Answers 200 while the instance should receive traffic, with the state of its dependencies in `checks`; 503 from the moment shutdown begins, or while a check is failing (e.g. the shared rate-limit store is down and RATE_LIMIT_FAIL_MODE=closed).',
        response: {
          200: ref(ReadinessSchema),
          503: errorResponse('Shutting down, or a dependency is failing: send traffic elsewhere', { statusCode: 503, code: 'DRAINING', message: 'shutting down' }),
        },
      },
    },
    async () => {
      if (app.lifecycle.draining) {
        throw new HttpError(503, 'DRAINING', 'shutting down', { headers: { 'retry-after': '5' } });
      }
      const checks = Object.fromEntries([...app.lifecycle.checks].map(([name, check]) => [name, check()]));
      const failing = Object.entries(checks).filter(([, c]) => c.status === 'failing');
      if (failing.length > 0) {
        const message = failing.map(([name, c]) => `${name}: ${c.detail}`).join('; ');
        throw new HttpError(503, 'NOT_READY', message, { headers: { 'retry-after': '5' } });
      }
      return { status: 'ready' as const, checks };
    },
  );
}
