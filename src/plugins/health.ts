/**
 * Liveness and readiness. Readiness turns 503 as soon as shutdown begins, so a
 * load balancer stops sending new requests while in-flight ones finish.
 */
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';

export interface Lifecycle {
  /** True from the first shutdown signal on. */
  draining: boolean;
}

declare module 'fastify' {
  interface FastifyInstance {
    lifecycle: Lifecycle;
  }
}

async function healthPlugin(app: FastifyInstance) {
  app.decorate('lifecycle', { draining: false });
  app.addHook('preClose', async () => {
    app.lifecycle.draining = true;
  });
}

export default fp(healthPlugin, { name: 'health', fastify: '5.x' });
