/**
 * The OpenAPI document, generated from the routes' own schemas (never hand-edited),
 * served at /openapi.json and /openapi.yaml, and Swagger UI at /docs.
 *
 * OpenAPI 3.0.3, not 3.1: every mainstream generator and gateway reads 3.0.3, while
 * 3.1 support is still partial in several (docs/openapi.md says which and why).
 */
import { createRequire } from 'node:module';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
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
      // Swagger UI lists tags in this order: the v1 operations first, the legacy ones last.
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

  await app.register(swaggerUi, {
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
  });

  // The spec at stable, conventional URLs for generators (Swagger UI reads its own copy under /docs).
  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());
  app.get('/openapi.yaml', { schema: { hide: true } }, async (_request, reply) =>
    reply.type('application/yaml; charset=utf-8').send(app.swagger({ yaml: true })),
  );
}

export default fp(swaggerPlugin, { name: 'swagger', fastify: '5.x' });
