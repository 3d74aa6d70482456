/**
 * The separate /metrics listener used when METRICS_PORT is set, so that the
 * scrape endpoint need not be reachable where the token API is public.
 * It serves the main app's registry and nothing else.
 */
import Fastify, { LogController, type FastifyInstance } from 'fastify';
import { clientErrorHandler } from './plugins/errors.js';
import { addMetricsRoute } from './plugins/metrics.js';
import { DEADLINE_CHECK_INTERVAL_MS, REQUEST_TIMEOUT_MS } from './plugins/request-deadline.js';

export function buildMetricsApp(app: FastifyInstance): FastifyInstance {
  const metricsApp = Fastify({
    loggerInstance: app.log.child({ listener: 'metrics' }),
    logController: new LogController({ disableRequestLogging: true }),
    // The public listener's request deadline, and its answers to malformed requests
    // (which never log the raw request). At close every connection goes at once: a
    // scrape is cheap to retry, and a stalled client must not hold the shutdown.
    http: { headersTimeout: REQUEST_TIMEOUT_MS, requestTimeout: REQUEST_TIMEOUT_MS, connectionsCheckingInterval: DEADLINE_CHECK_INTERVAL_MS },
    requestTimeout: REQUEST_TIMEOUT_MS,
    clientErrorHandler,
    forceCloseConnections: true,
  });
  // Its own port, reached by scrapers only: no request is refused for having crossed a proxy.
  addMetricsRoute(metricsApp, app.metrics.registry, { refuseForwarded: false });
  return metricsApp;
}
