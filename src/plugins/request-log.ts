/**
 * One log line per request, written when the response is done: request id (the
 * logger's `requestId` binding), method, url, route template, status, duration, the
 * client IP (as TRUST_PROXY resolves it, so refused credentials and 429s can be traced
 * to a client), once an authentication plugin sets `request.callerId`, who called, and,
 * once the policy plugin decided on a mint, its audit record (`audit`).
 * Fastify's own two lines per request are turned off in serverOptions; the audit record
 * rides on this line instead of a line of its own: one line per mint, not two.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import type { Logger } from 'pino';
import { knownParameters, loggableUrl } from './query.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** The authenticated caller (e.g. an API key's id, never the key); set by the auth plugin. */
    callerId: string | undefined;
    /** The audit record of a mint decision (see the policy plugin); written on the request line. */
    audit: AuditRecord | undefined;
  }
}

/** Who asked to mint what, and what was decided (allowed, denied or rejected); never the token. */
export interface AuditRecord {
  caller: string;
  auth: string;
  route: string | undefined;
  decision: 'allowed' | 'denied' | 'rejected' | undefined;
  [field: string]: unknown;
}

/**
 * Writes the request line. Also called by the error paths no hook reaches (a URL the
 * router cannot decode), so that every answered request leaves the same line.
 * The URL keeps the values of the route's own query parameters only (see loggableUrl).
 */
export function logRequest(request: FastifyRequest, reply: FastifyReply): void {
  // request.log honours each route's logLevel: probes (logLevel warn) stay quiet, and
  // build no line either.
  if (!(request.log as Logger).isLevelEnabled('info')) return;
  request.log.info(
    {
      method: request.method,
      url: loggableUrl(request.url, knownParameters(request)),
      route: request.routeOptions.url ?? null,
      statusCode: reply.statusCode,
      durationMs: Math.round(reply.elapsedTime * 100) / 100,
      clientIp: request.ip,
      // Absent keys are left out of the JSON line (pino skips undefined values).
      callerId: request.callerId,
      audit: request.audit,
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
  app.decorateRequest('audit', undefined);
  if (!opts.trustsProxy) {
    // Behind a proxy with TRUST_PROXY off, every client has the proxy's address: one
    // shared rate-limit bucket, one IP in the logs. Said once, not per request.
    let warned = false;
    app.addHook('onRequest', (request, _reply, done) => {
      if (warned || request.headers['x-forwarded-for'] === undefined) return done();
      warned = true;
      app.log.warn(
        { clientIp: request.ip },
        'requests carry X-Forwarded-For but TRUST_PROXY is off: all clients behind that proxy share its address (one rate-limit bucket, one IP in the logs); set TRUST_PROXY to the address of the proxy in front',
      );
      done();
    });
  }
  // Callback style, not async: it runs on every response.
  app.addHook('onResponse', (request, reply, done) => {
    logRequest(request, reply);
    done();
  });
}

export default fp(requestLogPlugin, { name: 'request-log', fastify: '5.x' });
