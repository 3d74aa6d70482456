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
 * Tested as a process (test/system/server.test.ts runs it under the test loaders, so it is covered).
 */
import { statSync } from 'node:fs';
import closeWithGrace from 'close-with-grace';
import { buildApp, flushLogs } from './app.js';
import { ConfigError, loadConfig, type Config } from './config.js';
import { buildMetricsApp } from './metrics-app.js';

/**
 * Every start-up failure ends here: one line on stderr, exit 1, never a stack trace
 * (operators read it in `kubectl logs`/`docker logs`; orchestrators read the code).
 * Messages name the setting and never hold a secret value.
 */
function die(message: string): never {
  process.stderr.write(`agora-token-server: ${message}\n`);
  process.exit(1);
}

/** What operators need to read, by error code; the code itself otherwise. */
const REASONS: Record<string, string> = {
  EADDRINUSE: 'the port is already in use',
  EADDRNOTAVAIL: 'the address is not one of this host',
  ENOTFOUND: 'the address does not resolve',
  EACCES: 'permission denied',
};
// Errors from listen() and file reads always carry a code; an unknown one is shown as is.
/* c8 ignore next */
const reason = (err: unknown) => `${REASONS[(err as NodeJS.ErrnoException).code ?? ''] ?? 'failed'} (${(err as NodeJS.ErrnoException).code ?? String(err)})`;

function readConfig(): Config {
  // A .env file fills in what the real environment does not set; a .env that is
  // not a readable file (a directory, no permission) is a start-up error, not a crash.
  const dotEnv = statSync('.env', { throwIfNoEntry: false });
  if (dotEnv) {
    if (!dotEnv.isFile()) die('.env is invalid: it is not a file');
    try {
      process.loadEnvFile('.env');
      // A regular file the process cannot read (tests run as root, who reads anything).
      /* c8 ignore next 3 */
    } catch (err) {
      die(`.env is invalid: cannot read it (${reason(err)})`);
    }
  }
  try {
    return loadConfig(process.env);
  } catch (err) {
    // ConfigError messages name the variable and never hold its value.
    die((err as ConfigError).message);
  }
}

const config = readConfig();
// Building the app reads nothing the config has not checked, so no input makes it fail; if a bug
// does, start-up still ends in one line and exit 1.
/* c8 ignore next */
const app = await buildApp(config).catch((err: unknown) => die(`could not start: ${(err as Error).message}`));
const metricsApp = config.metricsPort === undefined ? undefined : buildMetricsApp(app);
const { drainSeconds, timeoutSeconds } = config.shutdown;

closeWithGrace(
  {
    delay: (drainSeconds + timeoutSeconds) * 1000,
    logger: { error: (message: unknown) => app.log.error(message) },
    onSecondSignal: (signal: string) => app.log.warn({ signal }, 'second signal: exiting now'),
  },
  async ({ signal, err }) => {
    // test/system/server-logs.test.ts provokes one (a preloaded fixture throws on SIGUSR2).
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

/** Listens, or dies with one line naming the setting: a bad HOST, a port in use, no permission. */
async function listen(server: typeof app, port: number, portVariable: 'PORT' | 'METRICS_PORT'): Promise<void> {
  try {
    await server.listen({ port, host: config.host });
  } catch (err) {
    // Lines already logged (start-up warnings) are batched: write them before dying.
    await flushLogs(app);
    die(`could not listen on HOST ${config.host}, ${portVariable} ${port}: ${reason(err)}`);
  }
}

await listen(app, config.port, 'PORT');
if (metricsApp) await listen(metricsApp, config.metricsPort as number, 'METRICS_PORT');
