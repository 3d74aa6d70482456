/**
 * The OpenAPI document, generated from the routes' own schemas, and Swagger UI at /docs.
 */
import { createRequire } from 'node:module';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';

const pkg = createRequire(import.meta.url)('../../package.json') as { version: string; license: string };

async function swaggerPlugin(app: FastifyInstance) {
  await app.register(swagger, {
    openapi: {
      openapi: '3.0.3',
      info: {
        title: 'Agora Token Server',
        version: pkg.version,
        description: 'Mints Agora RTC, RTM and Chat access tokens.',
        license: { name: pkg.license },
      },
      tags: [
        { name: 'tokens', description: 'Mint tokens (v1)' },
        { name: 'health', description: 'Probes for orchestrators and load balancers' },
        { name: 'compat', description: 'Drop-in routes of older token servers (deprecated)' },
      ],
    },
    // Name components after the schemas' $id instead of def-0, def-1, … (every shared schema has one).
    refResolver: { buildLocalReference: (json) => String(json.$id) },
  });
  await app.register(swaggerUi, { routePrefix: '/docs' });
}

export default fp(swaggerPlugin, { name: 'swagger', fastify: '5.x' });
