/**
 * Process entry: the only module that reads the environment, listens, handles
 * signals and exits.
 *
 * Shutdown: SIGTERM (what orchestrators send) drains first: readiness turns 503 at
 * once and the server keeps answering for SHUTDOWN_DRAIN_SECONDS, so load balancers
 * see it leave before it stops listening; then idle keep-alive connections are
 * closed, in-flight requests finish and the process exits 0. Other signals (Ctrl-C)
 * skip the drain. A second signal, or SHUTDOWN_TIMEOUT_SECONDS after the drain,
 * exits at once with status 1.
 * Tested as a process (test/server.test.ts runs it under the test loaders, so it is covered).
 */
import { existsSync } from 'node:fs';
import closeWithGrace from 'close-with-grace';
import { buildApp, flushLogs } from './app.js';
import { ConfigError, loadConfig, type Config } from './config.js';
import { buildMetricsApp } from './metrics-app.js';

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
const metricsApp = config.metricsPort === undefined ? undefined : buildMetricsApp(app);
const { drainSeconds, timeoutSeconds } = config.shutdown;

closeWithGrace(
  {
    delay: (drainSeconds + timeoutSeconds) * 1000,
    logger: { error: (message: unknown) => app.log.error(message) },
    onSecondSignal: (signal: string) => app.log.warn({ signal }, 'second signal: exiting now'),
  },
  async ({ signal, err }) => {
    // test/server-logs.test.ts provokes one (a preloaded fixture throws on SIGUSR2).
    if (err) app.log.error({ err }, 'closing after an uncaught error');
    else app.log.info({ signal }, 'shutting down');
    await app.lifecycle.drainAndClose(signal === 'SIGTERM' ? drainSeconds * 1000 : 0);
    // Last, so that the drain itself can be watched on the metrics.
    await metricsApp?.close();
    app.log.info('closed');
    // Log lines are written in batches off the event loop: none may be lost on the way out.
    await flushLogs(app);
  },
);

try {
  await app.listen({ port: config.port, host: config.host });
  await metricsApp?.listen({ port: config.metricsPort as number, host: config.host });
} catch (err) {
  app.log.error({ err }, 'could not listen');
  await flushLogs(app);
  process.exit(1);
}
