/**
 * The OpenAPI document, generated from the routes' own schemas (never hand-edited),
 * served at /openapi.json and /openapi.yaml, and Swagger UI at /docs.
 *
 * OpenAPI 3.0.3, not 3.1: every mainstream generator and gateway reads 3.0.3, while
 * 3.1 support is still partial in several (docs/openapi.md says which and why).
 */
import { createRequire } from 'node:module';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import swagger, { type StaticDocumentSpec } from '@fastify/swagger';
import type { FastifySwaggerUiOptions } from '@fastify/swagger-ui';
import { HttpError, ROUTER_OPTIONS, STATUS_CODES, statusCodeName } from './errors.js';
import { securitySchemes } from '../schemas/security.js';

const pkg = createRequire(import.meta.url)('../../package.json') as { version: string; license: string };

export const API_TITLE = 'Agora Token Server';

export interface SwaggerPluginOptions {
  /** Absolute base URL clients should call; absent: the host that serves the document. */
  publicUrl?: string | undefined;
}

const DESCRIPTION = `Mints Agora access tokens for RTC (video and voice), RTM (signaling) and Chat.

Use the \`tokens\` operations (\`/v1/tokens/…\`). The \`compat\` operations are drop-in replacements for older
token servers' URLs: the tutorial's \`GET /access_token\` is supported, the others are deprecated.

## Token versions
- **007** (AccessToken2, the default): current SDKs. Carries RTC, RTM and Chat services; one token can hold
  both RTC and RTM (\`combined\`).
- **006** (AccessToken): SDKs that predate AccessToken2. RTC and RTM only.

## Lifetimes and expiry
Every lifetime in a request is a duration in **seconds from now**, never a unix timestamp; a value that
looks like a timestamp is rejected with a 400 that says so. The server caps lifetimes at its configured maximum
(at most 86 400 s, Agora's limit). Responses state \`issuedAt\` and \`expiresAt\` as ISO-8601 UTC and
\`issuedAtUnix\`/\`expiresAtUnix\` in unix seconds. Agora has no revocation: short lifetimes and renewal are the
security model. Renew before \`expiresAt\`; the SDKs fire \`token-privilege-will-expire\` 30 s ahead.

## Errors
Every 4xx and 5xx response has the one \`ErrorResponse\` shape: \`statusCode\`, \`error\`, a stable \`code\`, a \`message\`
naming the field at fault, \`field\` when one is, and the \`requestId\` also sent as \`X-Request-Id\`.
Token responses are never cacheable (\`Cache-Control: no-store\`).

## Further reading
The project's documentation, next to its README: \`docs/api.md\` (every field and input rule, the inspector,
errors), \`docs/auth.md\` (API keys, JWTs, what a caller may mint, rate limits), \`docs/compat.md\` (the drop-in
routes) and \`docs/openapi.md\` (generating a client from this document).`;

/** Swagger UI under /docs. */
const UI_OPTIONS: FastifySwaggerUiOptions = {
  routePrefix: '/docs',
  theme: { title: `${API_TITLE} — API reference` },
  uiConfig: {
    docExpansion: 'list',
    deepLinking: true,
    displayOperationId: true,
    displayRequestDuration: true,
    defaultModelsExpandDepth: 0,
    // Off: persisting writes the API key or JWT entered under "Authorize" to localStorage, where any script on
    // this origin (the /inspect page promises to store no credential) could read it. It lasts until a reload.
    persistAuthorization: false,
  },
};

/** Request headers the UI's routes read (conditional and range requests of its static files). */
const TO_UI = ['accept', 'if-none-match', 'if-modified-since', 'if-range', 'range'];
/** Response headers of the UI's routes that say what the body is; this app sets the rest (security, CORS). */
const FROM_UI = ['content-type', 'cache-control', 'etag', 'last-modified', 'accept-ranges', 'content-range', 'location'];

/**
 * Swagger UI, loaded on its first request: its plugin, @fastify/static and their routes were a
 * quarter of start-up, and no token needs them. GET /docs and /docs/* go to an inner Fastify app
 * that holds only @fastify/swagger (serving this app's finished document) and @fastify/swagger-ui,
 * built on first use and asked with inject(). This app's hooks apply to these routes like to any
 * other (security headers with the docs CSP, CORS, limits, the request line), and its 404 and
 * error answers keep the one error shape.
 */
function docsUi(app: FastifyInstance): void {
  let inner: Promise<FastifyInstance> | undefined;
  async function buildInner(): Promise<FastifyInstance> {
    const [{ default: Fastify }, { default: swaggerUi }] = await Promise.all([import('fastify'), import('@fastify/swagger-ui')]);
    const docs = Fastify({ logger: false, routerOptions: ROUTER_OPTIONS });
    // The document is OpenAPI 3.0 (the dynamic plugin's own output); the static mode's types also allow 3.1.
    const document = app.swagger() as StaticDocumentSpec['document'];
    await docs.register(swagger, { mode: 'static', specification: { document } });
    await docs.register(swaggerUi, UI_OPTIONS);
    await docs.ready();
    return docs;
  }
  app.get('/docs', { schema: { hide: true } }, handler);
  app.get('/docs/*', { schema: { hide: true } }, handler);

  async function handler(request: FastifyRequest, reply: FastifyReply) {
    // A failed build (a file missing from an image) is retried by the next request, not cached.
    // (Only a broken installation fails it: no test can break one without mocking the package.)
    inner ??= buildInner().catch((err: unknown) => {
      /* c8 ignore next 2 */
      inner = undefined;
      throw err;
    });
    const docs = await inner;
    const headers: Record<string, string> = {};
    for (const name of TO_UI) {
      const value = request.headers[name];
      if (typeof value === 'string') headers[name] = value;
    }
    const res = await docs.inject({ method: request.method as 'GET' | 'HEAD', url: request.url, headers });
    if (res.statusCode === 404) return reply.callNotFound();
    if (res.statusCode >= 400) {
      throw new HttpError(res.statusCode, statusCodeName(res.statusCode), `${STATUS_CODES[res.statusCode] ?? 'Error'}: ${request.url}`);
    }
    for (const name of FROM_UI) {
      const value = res.headers[name];
      if (value !== undefined) reply.header(name, value);
    }
    return reply.code(res.statusCode).send(res.rawPayload);
  }
}

async function swaggerPlugin(app: FastifyInstance, opts: SwaggerPluginOptions) {
  await app.register(swagger, {
    openapi: {
      openapi: '3.0.3',
      info: {
        title: API_TITLE,
        version: pkg.version,
        description: DESCRIPTION,
        license: { name: pkg.license, url: `https://spdx.org/licenses/${pkg.license}.html` },
        contact: { name: `${API_TITLE} maintainers` },
      },
      servers: [
        opts.publicUrl
          ? { url: opts.publicUrl, description: 'This deployment' }
          : { url: '/', description: 'The host serving this document' },
      ],
      // Swagger UI lists tags in this order: the v1 operations first, the compat ones last.
      tags: [
        { name: 'tokens', description: 'Mint RTC, RTM and Chat tokens (v1)' },
        { name: 'health', description: 'Probes for orchestrators and load balancers' },
        { name: 'compat', description: 'Drop-in routes of older token servers (deprecated: use the v1 operations)' },
      ],
      components: { securitySchemes },
    },
    // Name components after the schemas' $id instead of def-0, def-1, … (every shared schema has one).
    refResolver: { buildLocalReference: (json) => json.$id as string },
  });

  docsUi(app);

  // The spec at stable, conventional URLs for generators (Swagger UI reads its own copy under /docs).
  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());
  app.get('/openapi.yaml', { schema: { hide: true } }, async (_request, reply) =>
    reply.type('application/yaml; charset=utf-8').send(app.swagger({ yaml: true })),
  );
}

export default fp(swaggerPlugin, { name: 'swagger', fastify: '5.x' });
