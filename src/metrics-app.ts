/**
 * The separate /metrics listener used when METRICS_PORT is set, so that the
 * scrape endpoint need not be reachable where the token API is public.
 * It serves the main app's registry and nothing else.
 */
import Fastify, { LogController, type FastifyInstance } from 'fastify';
import { addMetricsRoute } from './plugins/metrics.js';

export function buildMetricsApp(app: FastifyInstance): FastifyInstance {
  const metricsApp = Fastify({
    loggerInstance: app.log.child({ listener: 'metrics' }),
    logController: new LogController({ disableRequestLogging: true }),
  });
  // Its own port, reached by scrapers only: no request is refused for having crossed a proxy.
  addMetricsRoute(metricsApp, app.metrics.registry, { refuseForwarded: false });
  return metricsApp;
}
