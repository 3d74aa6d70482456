/**
 * Security headers for a JSON API (@fastify/helmet), with two exceptions: Swagger
 * UI under /docs and the token inspector page under /inspect get a
 * Content-Security-Policy that lets their own scripts and styles load — and
 * nothing from elsewhere.
 */
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import fastifyHelmet from '@fastify/helmet';
import helmet from 'helmet';

/** A JSON response needs to load nothing and be framed by nobody. */
export const API_CSP = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";
/** Swagger UI: own scripts only; React sets inline styles; the logo and icons are data: URIs. */
export const DOCS_CSP =
  "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; font-src 'self' data:; " +
  "connect-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'";
const DOCS_PREFIX = '/docs';
/**
 * The token inspector page (/inspect): its own script and stylesheet, calls to
 * this server, nothing inline, and Trusted Types so that no string becomes markup.
 */
export const PAGE_CSP =
  "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self'; " +
  "require-trusted-types-for 'script'; trusted-types 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";
const PAGE_PREFIX = '/inspect';

/** Whether `path` is `prefix` or below it. */
const under = (path: string, prefix: string) => path === prefix || path.startsWith(`${prefix}/`);

const HELMET_OPTIONS = {
  // Set below, per path.
  contentSecurityPolicy: false,
  // Token responses are fetched cross-origin by browser apps (CORS decides who may read them).
  crossOriginResourcePolicy: { policy: 'cross-origin' as const },
};

/**
 * The headers every API response carries, for the responses written outside the
 * request hooks (malformed requests answered from the socket, bad URLs): the same
 * helmet, the same options, applied to a stand-in response once.
 */
export const API_SECURITY_HEADERS: Readonly<Record<string, string>> = (() => {
  const headers: Record<string, string> = {};
  const res = {
    setHeader: (name: string, value: unknown) => (headers[name.toLowerCase()] = String(value)),
    removeHeader: () => {},
  };
  // helmet's middleware is synchronous and calls next() at once.
  helmet(HELMET_OPTIONS)({} as never, res as never, () => {});
  headers['content-security-policy'] = API_CSP;
  return Object.freeze(headers);
})();

async function securityPlugin(app: FastifyInstance) {
  await app.register(fastifyHelmet, HELMET_OPTIONS);
  app.addHook('onSend', async (request, reply) => {
    const path = request.url.split('?')[0] as string;
    reply.header('content-security-policy', under(path, DOCS_PREFIX) ? DOCS_CSP : under(path, PAGE_PREFIX) ? PAGE_CSP : API_CSP);
  });
}

export default fp(securityPlugin, { name: 'security', fastify: '5.x' });
