/**
 * One log line per request, written when the response is done: request id (the
 * logger's `requestId` binding), method, url, route template, status, duration, the
 * client IP (as TRUST_PROXY resolves it, so refused credentials and 429s can be traced
 * to a client) and, once an authentication plugin sets `request.callerId`, who called.
 * Fastify's own two lines per request are turned off in serverOptions.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { knownParameters, loggableUrl } from './query.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** The authenticated caller (e.g. an API key's id, never the key); set by the auth plugin. */
    callerId: string | undefined;
  }
}

/**
 * Writes the request line. Also called by the error paths no hook reaches (a URL the
 * router cannot decode), so that every answered request leaves the same line.
 * The URL keeps the values of the route's own query parameters only (see loggableUrl).
 */
export function logRequest(request: FastifyRequest, reply: FastifyReply): void {
  // request.log honours each route's logLevel: probes (logLevel warn) stay quiet.
  request.log.info(
    {
      method: request.method,
      url: loggableUrl(request.url, knownParameters(request)),
      route: request.routeOptions.url ?? null,
      statusCode: reply.statusCode,
      durationMs: Math.round(reply.elapsedTime * 100) / 100,
      clientIp: request.ip,
      ...(request.callerId !== undefined && { callerId: request.callerId }),
    },
    'request',
  );
}

export interface RequestLogOptions {
  /** Whether TRUST_PROXY trusts any proxy. */
  trustsProxy: boolean;
}

async function requestLogPlugin(app: FastifyInstance, opts: RequestLogOptions) {
  app.decorateRequest('callerId', undefined);
  if (!opts.trustsProxy) {
    // Behind a proxy with TRUST_PROXY off, every client has the proxy's address: one
    // shared rate-limit bucket, one IP in the logs. Said once, not per request.
    let warned = false;
    app.addHook('onRequest', async (request) => {
      if (warned || request.headers['x-forwarded-for'] === undefined) return;
      warned = true;
      app.log.warn(
        { clientIp: request.ip },
        'requests carry X-Forwarded-For but TRUST_PROXY is off: all clients behind that proxy share its address (one rate-limit bucket, one IP in the logs); set TRUST_PROXY to the address of the proxy in front',
      );
    });
  }
  app.addHook('onResponse', async (request, reply) => logRequest(request, reply));
}

export default fp(requestLogPlugin, { name: 'request-log', fastify: '5.x' });
