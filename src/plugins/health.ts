/**
 * Liveness and readiness. Readiness turns 503 as soon as shutdown begins, so a
 * load balancer stops sending new requests while in-flight ones finish. Other
 * plugins add named checks (e.g. the rate-limit store) that readiness reports.
 */
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';

export interface ReadinessCheck {
  /** ok; degraded (still serving); failing (this instance should get no traffic). */
  status: 'ok' | 'degraded' | 'failing';
  detail: string;
}

export interface Lifecycle {
  /** True from the first shutdown signal on. */
  draining: boolean;
  /** Named checks reported by GET /readyz. */
  checks: Map<string, () => ReadinessCheck>;
}

declare module 'fastify' {
  interface FastifyInstance {
    lifecycle: Lifecycle;
  }
}

async function healthPlugin(app: FastifyInstance) {
  app.decorate('lifecycle', { draining: false, checks: new Map() });
  app.addHook('preClose', async () => {
    app.lifecycle.draining = true;
  });
}

export default fp(healthPlugin, { name: 'health', fastify: '5.x' });
