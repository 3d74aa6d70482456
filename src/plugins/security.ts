/**
 * Security headers for a JSON API (helmet's), with two exceptions: Swagger UI under
 * /docs and the token inspector page under /inspect get a Content-Security-Policy
 * that lets their own scripts and styles load — and nothing from elsewhere.
 *
 * The headers never depend on the request, so they are computed once, at start-up, by
 * running helmet itself against a recording response: the same headers as helmet's
 * own middleware, without its per-request work (two hooks and a dozen setHeader calls).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import helmet, { type HelmetOptions } from 'helmet';

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

/** Whether the URL's path is `prefix` or below it (the query string aside). */
const under = (url: string, prefix: string) =>
  url.startsWith(prefix) && (url.length === prefix.length || '/?'.includes(url.charAt(prefix.length)));

export const HELMET_OPTIONS: HelmetOptions = {
  // Set below, per path.
  contentSecurityPolicy: false,
  // Token responses are fetched cross-origin by browser apps (CORS decides who may read them).
  crossOriginResourcePolicy: { policy: 'cross-origin' },
};

/** The headers helmet sets with these options (it reads nothing from the request when CSP is off). */
export function helmetHeaders(options: HelmetOptions): Record<string, string> {
  const headers: Record<string, string> = {};
  const recorder = {
    setHeader: (name: string, value: string | number) => (headers[name.toLowerCase()] = String(value)),
    removeHeader: (name: string) => delete headers[name.toLowerCase()],
  };
  helmet(options)({} as IncomingMessage, recorder as unknown as ServerResponse, () => {});
  return headers;
}

/**
 * The headers every API response carries; also used for the responses written outside
 * the request hooks (malformed requests answered from the socket, bad URLs).
 */
export const API_SECURITY_HEADERS: Readonly<Record<string, string>> = Object.freeze({
  ...helmetHeaders(HELMET_OPTIONS),
  'content-security-policy': API_CSP,
});
const DOCS_SECURITY_HEADERS: Readonly<Record<string, string>> = Object.freeze({ ...API_SECURITY_HEADERS, 'content-security-policy': DOCS_CSP });
const PAGE_SECURITY_HEADERS: Readonly<Record<string, string>> = Object.freeze({ ...API_SECURITY_HEADERS, 'content-security-policy': PAGE_CSP });

async function securityPlugin(app: FastifyInstance) {
  app.addHook('onRequest', (request, reply, done) => {
    const url = request.url;
    reply.headers(under(url, DOCS_PREFIX) ? DOCS_SECURITY_HEADERS : under(url, PAGE_PREFIX) ? PAGE_SECURITY_HEADERS : API_SECURITY_HEADERS);
    done();
  });
}

export default fp(securityPlugin, { name: 'security', fastify: '5.x' });
