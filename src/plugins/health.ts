/**
 * Liveness and readiness state, and the drain. Readiness turns 503 as soon as
 * shutdown begins, so a load balancer stops sending new requests while the
 * instance keeps answering the ones still routed to it. Other plugins add named
 * checks (e.g. the rate-limit store) that readiness reports.
 */
import { setTimeout as sleep } from 'node:timers/promises';
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
  /**
   * Graceful stop: readiness 503 at once, keep serving for `drainMs` (responses
   * carry `Connection: close` so keep-alive clients reconnect elsewhere), then
   * close: stop listening, close idle keep-alive connections, finish in-flight
   * requests, run onClose hooks.
   */
  drainAndClose(drainMs: number): Promise<void>;
}

declare module 'fastify' {
  interface FastifyInstance {
    lifecycle: Lifecycle;
  }
}

async function healthPlugin(app: FastifyInstance) {
  const lifecycle: Lifecycle = {
    draining: false,
    checks: new Map(),
    async drainAndClose(drainMs) {
      lifecycle.draining = true;
      app.log.info({ drainMs }, 'draining: readiness is 503, still serving');
      if (drainMs > 0) await sleep(drainMs);
      app.log.info('closing: no new connections, finishing in-flight requests');
      await app.close();
    },
  };
  app.decorate('lifecycle', lifecycle);
  // Callback style, not async: it runs on every response and almost always does nothing.
  app.addHook('onSend', (_request, reply, payload, done) => {
    // Node then closes the connection after this response, so that callers and
    // load balancers holding keep-alive connections move to other instances.
    if (lifecycle.draining) reply.header('connection', 'close');
    done(null, payload);
  });
  app.addHook('preClose', async () => {
    lifecycle.draining = true;
  });
}

export default fp(healthPlugin, { name: 'health', fastify: '5.x' });
