/**
 * Process entry: the only module that reads the environment, listens, handles
 * signals and exits. Tested as a process (test/server.test.ts runs the built
 * dist/server.js without coverage hooks), so it is left out of unit coverage.
 */
/* c8 ignore start */
import { existsSync } from 'node:fs';
import closeWithGrace from 'close-with-grace';
import { buildApp } from './app.js';
import { ConfigError, loadConfig, type Config } from './config.js';

const GRACE_MS = 10_000;

function readConfig(): Config {
  // A .env file fills in what the real environment does not set.
  if (existsSync('.env')) process.loadEnvFile('.env');
  try {
    return loadConfig(process.env);
  } catch (err) {
    // ConfigError messages name the variable and never hold its value.
    process.stderr.write(`agora-token-server: ${(err as ConfigError).message}\n`);
    process.exit(1);
  }
}

const config = readConfig();
const app = await buildApp(config);

closeWithGrace({ delay: GRACE_MS }, async ({ signal, err }) => {
  if (err) app.log.error({ err }, 'closing after an uncaught error');
  else app.log.info({ signal }, 'shutting down');
  await app.close();
});

try {
  await app.listen({ port: config.port, host: config.host });
} catch (err) {
  app.log.error({ err }, 'could not listen');
  process.exit(1);
}
/* c8 ignore stop */
