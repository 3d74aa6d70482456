#!/usr/bin/env node
// Bundles the compiled service (dist/) into dist/bundle/: one module graph of a few files instead
// of ~1,300 files from node_modules, which is most of what start-up spent before the first token
// (resolving and loading modules; TypeBox alone is 266 files). `npm start` and the image run
// dist/bundle/server.js; the tests and the CLI use dist/ as tsc wrote it.
// Entry points: server (what runs), app and metrics-app (what the image imports to prime Node's
// compile cache without starting a server); shared code goes to chunks.
import { build } from 'esbuild';

await build({
  entryPoints: { server: 'dist/server.js', app: 'dist/app.js', 'metrics-app': 'dist/metrics-app.js' },
  outdir: 'dist/bundle',
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node22',
  // Loaded from node_modules as usual:
  external: [
    // pino starts transports (pino-pretty) in worker threads that load files by path from pino's own folder.
    'pino',
    'pino-pretty',
    // Swagger UI's assets are served from the package's own folder.
    '@fastify/swagger-ui',
    // Loaded only when configured (REDIS_URL, JWT): they stay out of start-up.
    'ioredis',
    'jose',
  ],
  // The CommonJS packages inside the bundle call require() for Node's built-ins.
  banner: { js: "import { createRequire as bundleRequire } from 'node:module'; const require = bundleRequire(import.meta.url);" },
  // Paths the code resolves from import.meta.url (../../package.json, ../pages/) hold from
  // dist/bundle/ as they do from dist/<folder>/.
  logLevel: 'warning',
});
