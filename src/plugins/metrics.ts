/**
 * Prometheus metrics: one registry per app (tests build many apps in one process),
 * process metrics, a request-duration histogram, and named counters that other
 * plugins increment through `app.metrics`.
 *
 * 401/403 and 429 responses are counted here from their status and error code, so
 * the auth and rate-limit plugins need not count rejections themselves (doing so
 * would count them twice).
 */
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { errorBody } from './errors.js';

/**
 * The `type` label of the tokens-minted counter: one count per token a response holds
 * (rtc_rtm = one combined token; rtm2 = an RTM 2 token with permissions). The agora
 * plugin can count nothing else; the metrics table of docs/deploy.md lists exactly these.
 */
export const MINTED_TYPES = [
  'rtc',
  'rtm',
  'rtm2',
  'rtc_rtm',
  'chat_user',
  'chat_app',
  'apaas_room_user',
  'apaas_user',
  'apaas_app',
  'convoai',
  'stt',
  'fpa',
] as const;
export type MintedType = (typeof MINTED_TYPES)[number];

export interface Metrics {
  registry: Registry;
  /** Seconds from request to response, by method, route template and status. */
  httpRequestDuration: Histogram<'method' | 'route' | 'status_code'>;
  /** Tokens built, by type (MINTED_TYPES) and version. */
  tokensMinted: Counter<'type' | 'version'>;
  /** Rejected credentials; reason is the error code of the response (e.g. UNAUTHORIZED). */
  authFailures: Counter<'reason'>;
  /** Requests refused by a rate limit, by route template. */
  rateLimited: Counter<'route'>;
  /** Requests refused because the process was overloaded, by the limit crossed. */
  shed: Counter<'reason'>;
  /** 1 while a Redis client is connected, 0 while it is not; one series per client name. */
  redisUp: Gauge<'client'>;
  /** Log lines dropped because the log buffer was full (stdout stalled); see LOG_BUFFER in app.ts. */
  logLinesDropped: Counter;
}

declare module 'fastify' {
  interface FastifyInstance {
    metrics: Metrics;
  }
  interface FastifyContextConfig {
    /** Set on the /metrics route itself. */
    metricsRoute?: boolean;
  }
}

export const METRIC_PREFIX = 'token_server_';
/** Token minting takes well under a millisecond; the tail is what matters. */
const DURATION_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];
/** Route label of requests no route matched: one series, not one per scanned URL. */
export const UNMATCHED_ROUTE = 'unmatched';

export interface MetricsPluginOptions {
  /** Serve GET /metrics from this app (false when a separate metrics listener serves it). */
  expose: boolean;
}

function createMetrics(isDraining: () => boolean): Metrics {
  const registry = new Registry();
  const registers = [registry];
  collectDefaultMetrics({ register: registry });
  registry.registerMetric(new Gauge({
    name: `${METRIC_PREFIX}draining`,
    help: '1 from the shutdown signal on (readiness is 503), else 0',
    registers: [],
    collect() {
      this.set(isDraining() ? 1 : 0);
    },
  }));
  return {
    registry,
    httpRequestDuration: new Histogram({
      name: 'http_request_duration_seconds',
      help: 'HTTP request duration in seconds, by method, route template and status code',
      labelNames: ['method', 'route', 'status_code'],
      buckets: DURATION_BUCKETS,
      registers,
    }),
    tokensMinted: new Counter({
      name: `${METRIC_PREFIX}tokens_minted_total`,
      help: `Tokens minted, by type (${MINTED_TYPES.join(', ')}) and version (006, 007)`,
      labelNames: ['type', 'version'],
      registers,
    }),
    authFailures: new Counter({
      name: `${METRIC_PREFIX}auth_failures_total`,
      help: 'Requests rejected for missing or bad credentials (401/403), by error code',
      labelNames: ['reason'],
      registers,
    }),
    rateLimited: new Counter({
      name: `${METRIC_PREFIX}rate_limited_total`,
      help: 'Requests refused by a rate limit (429), by route template',
      labelNames: ['route'],
      registers,
    }),
    shed: new Counter({
      name: `${METRIC_PREFIX}shed_total`,
      help: 'Requests refused with 503 because the process was overloaded, by the limit crossed',
      labelNames: ['reason'],
      registers,
    }),
    logLinesDropped: new Counter({
      name: `${METRIC_PREFIX}log_lines_dropped_total`,
      help: 'Log lines dropped because the bounded log buffer was full (stdout not keeping up)',
      registers,
    }),
    redisUp: new Gauge({
      name: `${METRIC_PREFIX}redis_up`,
      help: '1 while the named Redis client is connected, else 0',
      labelNames: ['client'],
      registers,
    }),
  };
}

/** Headers a proxy adds: a request carrying one came through the public entry, not from a scraper. */
const FORWARDED_HEADERS = ['x-forwarded-for', 'forwarded', 'x-real-ip'];

/**
 * Answers GET /metrics from a registry; shared by the app and the separate metrics listener.
 * On the public app (METRICS_PORT unset) a request that came through a proxy gets the
 * plain 404 of an unknown path, whatever spelling reached the route (`/metrics/`,
 * `//metrics`): scrapers call the replica directly, the public never sees the metrics.
 */
export function addMetricsRoute(app: FastifyInstance, registry: Registry, opts: { refuseForwarded: boolean }): void {
  app.get(
    '/metrics',
    // Hidden from the OpenAPI document: it is for scrapers, and may live on another port.
    { logLevel: 'warn', config: { metricsRoute: true, shed: false }, schema: { hide: true } },
    async (request, reply) => {
      if (opts.refuseForwarded && FORWARDED_HEADERS.some((h) => request.headers[h] !== undefined)) {
        // The not-found handler would answer 405 (it knows the path): say what it says for an unknown one.
        const path = request.url.replace(/\?.*$/s, '');
        return reply.code(404).send(errorBody(request, 404, 'NOT_FOUND', `no route for ${request.method} ${path}`));
      }
      reply.header('cache-control', 'no-store').type(registry.contentType);
      return registry.metrics();
    },
  );
}

/** The error code of a JSON error body, or a fallback when the body is not ours. */
function errorCode(payload: unknown, fallback: string): string {
  if (typeof payload !== 'string') return fallback;
  try {
    const code = (JSON.parse(payload) as { code?: unknown }).code;
    return typeof code === 'string' ? code : fallback;
  } catch {
    return fallback;
  }
}

async function metricsPlugin(app: FastifyInstance, opts: MetricsPluginOptions) {
  const metrics = createMetrics(() => app.lifecycle.draining);
  app.decorate('metrics', metrics);

  // Callback style, not async: both run on every response.
  app.addHook('onSend', (request, reply, payload, done) => {
    const status = reply.statusCode;
    if (status === 401 || status === 403) {
      metrics.authFailures.inc({ reason: errorCode(payload, status === 401 ? 'UNAUTHORIZED' : 'FORBIDDEN') });
    } else if (status === 429) {
      metrics.rateLimited.inc({ route: request.routeOptions.url ?? UNMATCHED_ROUTE });
    }
    done(null, payload);
  });

  // The labelled series of each (method, route, status), looked up once: observe() then neither
  // builds nor hashes a label object per request. As bounded as the series themselves.
  const durations = new Map<string, Histogram.Internal<'method' | 'route' | 'status_code'>>();
  app.addHook('onResponse', (request, reply, done) => {
    const route = request.routeOptions;
    if (!route.config?.metricsRoute) {
      const method = request.method;
      const url = route.url ?? UNMATCHED_ROUTE;
      const status = reply.statusCode;
      const key = `${method} ${status} ${url}`;
      let series = durations.get(key);
      if (series === undefined) {
        series = metrics.httpRequestDuration.labels({ method, route: url, status_code: String(status) });
        durations.set(key, series);
      }
      series.observe(reply.elapsedTime / 1000);
    }
    done();
  });

  if (opts.expose) addMetricsRoute(app, metrics.registry, { refuseForwarded: true });
}

export default fp(metricsPlugin, { name: 'metrics', fastify: '5.x', dependencies: ['health'] });
