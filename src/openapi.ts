/**
 * Renders the published OpenAPI document from the app itself. `npm run openapi`
 * writes it to openapi/, `npm run openapi:check` and the tests compare it.
 */
import { buildApp } from './app.js';
import { loadConfig } from './config.js';

/** Where the committed copies live, relative to the project root. */
export const SPEC_FILES = { json: 'openapi/openapi.json', yaml: 'openapi/openapi.yaml' } as const;

/**
 * A fixed configuration, so that the document never depends on the machine that
 * renders it: default lifetimes, no PUBLIC_URL, and placeholder credentials that
 * mint nothing (they only satisfy the config schema).
 */
const PUBLISHED_ENV = {
  APP_ID: '00000000000000000000000000000000',
  APP_CERTIFICATE: '00000000000000000000000000000000',
  LOG_LEVEL: 'silent',
};

export async function renderOpenApi(): Promise<{ json: string; yaml: string }> {
  const app = await buildApp(loadConfig(PUBLISHED_ENV));
  try {
    await app.ready();
    return { json: `${JSON.stringify(app.swagger(), null, 2)}\n`, yaml: app.swagger({ yaml: true }) };
  } finally {
    await app.close();
  }
}
