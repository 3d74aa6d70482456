/**
 * One log line per request, written when the response is done: request id (the
 * logger's `requestId` binding), method, url, route template, status, duration and,
 * once an authentication plugin sets `request.callerId`, who called.
 * Fastify's own two lines per request are turned off in serverOptions.
 */
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';

declare module 'fastify' {
  interface FastifyRequest {
    /** The authenticated caller (e.g. an API key's id, never the key); set by the auth plugin. */
    callerId: string | undefined;
  }
}

async function requestLogPlugin(app: FastifyInstance) {
  app.decorateRequest('callerId', undefined);
  app.addHook('onResponse', async (request, reply) => {
    // request.log honours each route's logLevel: probes (logLevel warn) stay quiet.
    request.log.info(
      {
        method: request.method,
        url: request.url,
        route: request.routeOptions.url ?? null,
        statusCode: reply.statusCode,
        durationMs: Math.round(reply.elapsedTime * 100) / 100,
        ...(request.callerId !== undefined && { callerId: request.callerId }),
      },
      'request',
    );
  });
}

export default fp(requestLogPlugin, { name: 'request-log', fastify: '5.x' });
