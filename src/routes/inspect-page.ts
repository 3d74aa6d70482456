/**
 * GET /inspect: the token inspector page for people (static HTML, CSS and JS that
 * call POST /v1/tokens/inspect). The files ship next to this module (the build
 * copies src/pages to dist/pages) and are read once at start-up. Their CSP is
 * set by the security plugin (PAGE_CSP): own files only, nothing inline.
 */
import { readFile } from 'node:fs/promises';
import type { FastifyInstance } from 'fastify';

export interface InspectPageOptions {
  /** Whether POST /v1/tokens/inspect wants credentials: the page then asks for one from the start. */
  authRequired: boolean;
}

const dir = new URL('../pages/inspect/', import.meta.url);

export default async function inspectPageRoutes(app: FastifyInstance, opts: InspectPageOptions) {
  const [html, css, js, icon] = await Promise.all(['index.html', 'inspect.css', 'inspect.js', 'icon.svg'].map((f) => readFile(new URL(f, dir), 'utf8')));
  const files = {
    '/inspect': { type: 'text/html; charset=utf-8', body: (html as string).replace('{{AUTH}}', opts.authRequired ? 'required' : 'none') },
    '/inspect/inspect.css': { type: 'text/css; charset=utf-8', body: css as string },
    '/inspect/inspect.js': { type: 'text/javascript; charset=utf-8', body: js as string },
    // The page names its own icon (the CSP allows images from this origin only): no /favicon.ico request, no 404.
    '/inspect/icon.svg': { type: 'image/svg+xml', body: icon as string },
  };
  for (const [url, file] of Object.entries(files)) {
    // Not API operations: kept out of the OpenAPI document, like /docs.
    app.get(url, { schema: { hide: true } }, async (_request, reply) =>
      // no-cache: a browser revalidates, so a new release's page and script always arrive together.
      reply.type(file.type).header('cache-control', 'no-cache').send(file.body),
    );
  }
}
