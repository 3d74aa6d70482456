/**
 * Builds the application and never listens: the server entry, the tests and the
 * OpenAPI generator all build this very same app from one options function.
 */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, Server } from 'node:http';
import Fastify, { LogController, type FastifyHttpOptions, type FastifyInstance, type FastifyRequest } from 'fastify';
import cors from '@fastify/cors';
import pino, { type DestinationStream } from 'pino';
import type { Config } from './config.js';
import { lazySchemaController } from './lazy-compilers.js';
import agora, { type AgoraPluginOptions } from './plugins/agora.js';
import auth from './plugins/auth.js';
import errors, { ROUTER_OPTIONS, clientErrorHandler, frameworkErrors, refuseBadHead } from './plugins/errors.js';
import health from './plugins/health.js';
import jsonBody from './plugins/json-body.js';
import loadShedding from './plugins/load-shedding.js';
import metrics from './plugins/metrics.js';
import query from './plugins/query.js';
import rateLimit, { type RateLimitPluginOptions } from './plugins/rate-limit.js';
import requestDeadline, { DEADLINE_CHECK_INTERVAL_MS, REQUEST_TIMEOUT_MS } from './plugins/request-deadline.js';
import requestLog from './plugins/request-log.js';
import security from './plugins/security.js';
import swagger from './plugins/swagger.js';
import compatRoutes from './routes/compat/index.js';
import healthRoutes from './routes/health.js';
import inspectPageRoutes from './routes/inspect-page.js';
import v1InspectRoutes from './routes/v1/inspect.js';
import v1TokenRoutes from './routes/v1/tokens.js';
import { buildCompatSchemas, compatComponents } from './schemas/compat.js';
import { HealthSchema, ReadinessCheckSchema, ReadinessSchema } from './schemas/health.js';
import { inspectSchemas } from './schemas/inspect.js';
import { buildTokenSchemas } from './schemas/tokens.js';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Responses carry credentials: no cache may keep them. */
    noStore?: boolean;
  }
}

/** What tests (and only tests) may replace. */
export interface AppOverrides {
  /** Where log lines go (default stdout). */
  logStream?: DestinationStream;
  now?: AgoraPluginOptions['now'];
  salt?: AgoraPluginOptions['salt'];
  /** Shorter Redis timeouts, so outage tests run fast. */
  redisTimeouts?: RateLimitPluginOptions['redisTimeouts'];
  /** How often load shedding samples the process, in ms (default 1000). */
  pressureSampleIntervalMs?: number;
  /** The clock load shedding judges its warm-up by, in ms (default Date.now). */
  pressureNow?: () => number;
  /** Whether stdout is a terminal, for LOG_FORMAT=auto (default: process.stdout.isTTY). */
  isTTY?: boolean;
}

/** Bodies are a few small JSON fields; anything bigger is a mistake or an attack. */
export const BODY_LIMIT = 8 * 1024;
export { REQUEST_TIMEOUT_MS };
const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;
/** Responses that carry credentials: no cache, shared or private, may keep them. */
const NO_STORE_HEADERS = { 'cache-control': 'private, no-cache, no-store, must-revalidate', pragma: 'no-cache', expires: '-1' };

const CENSOR = '[redacted]';

/** Header and field names whose values must never reach a log line. */
export const REDACTED_PATHS = [
  'req.headers.authorization',
  'req.headers["x-api-key"]',
  'req.headers.cookie',
  'appCertificate',
  // Node's parse errors carry the raw request bytes, credentials included.
  'rawPacket',
  'err.rawPacket',
];

/**
 * Field names censored one level down too, under any key (what pino's `*.name` paths would do):
 * the certificate, raw request bytes, and credential headers in any headers object.
 */
const NESTED_SECRETS = ['appCertificate', 'rawPacket', 'authorization', 'x-api-key', 'cookie'];

/**
 * The one-level-down redaction, done in pino's log formatter: a `*` path
 * makes pino's redactor clone every line before censoring it (~9 KB and ~5 µs per request
 * line); this looks one level down and copies only a line that holds such a field.
 */
export function censorNested(line: Record<string, unknown>): Record<string, unknown> {
  let out = line;
  for (const key in line) {
    const value = line[key];
    if (value === null || typeof value !== 'object') continue;
    for (const name of NESTED_SECRETS) {
      if (!Object.hasOwn(value, name)) continue;
      if (out === line) out = { ...line };
      const current = out[key] as object;
      const censored = { ...current, [name]: CENSOR };
      // An Error keeps what its serializer reads (message, stack, cause) by inheriting them.
      out[key] = current instanceof Error ? Object.assign(Object.create(current) as object, censored) : censored;
    }
  }
  return out;
}

/**
 * Log lines leave the process in batches, written off the event loop: a line waits until
 * 4 KiB are buffered or 250 ms have passed. The buffer is bounded (a stalled stdout must not
 * eat the memory): beyond 8 MiB lines are dropped and counted in
 * token_server_log_lines_dropped_total. server.ts flushes it before every exit.
 */
export const LOG_BUFFER = { minLength: 4096, maxLength: 8 * 1024 * 1024, periodicFlushMs: 250 };

function logDestination(): DestinationStream {
  return pino.destination({
    dest: 1,
    sync: false,
    minLength: LOG_BUFFER.minLength,
    maxLength: LOG_BUFFER.maxLength,
    periodicFlush: LOG_BUFFER.periodicFlushMs,
  });
}

interface LogStream {
  flush?: (cb: (err?: Error) => void) => void;
  on?: (event: 'drop', listener: () => void) => void;
}

function logStreamOf(app: FastifyInstance): LogStream {
  return (app.log as unknown as Record<symbol, LogStream>)[pino.symbols.streamSym] as LogStream;
}

/** Writes out every buffered log line; resolves once they reached the file descriptor. */
export function flushLogs(app: FastifyInstance): Promise<void> {
  const stream = logStreamOf(app);
  return new Promise((resolve) => {
    if (typeof stream.flush !== 'function') return resolve();
    stream.flush(() => resolve());
  });
}

/** Pretty logs for a human at a terminal; JSON lines for everything else (collectors, files, pipes). */
function prettyLogs(config: Config, overrides: AppOverrides): boolean {
  if (overrides.logStream) return false;
  if (config.logFormat === 'auto') return overrides.isTTY ?? process.stdout.isTTY === true;
  return config.logFormat === 'pretty';
}

export function serverOptions(config: Config, overrides: AppOverrides = {}): FastifyHttpOptions<Server> {
  const keepAliveMs = config.keepAliveTimeoutSeconds * 1000;
  const pretty = prettyLogs(config, overrides);
  return {
    logger: {
      level: config.logLevel,
      redact: { paths: REDACTED_PATHS, censor: CENSOR },
      formatters: { log: censorNested },
      ...(pretty
        ? { transport: { target: 'pino-pretty', options: { translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname' } } }
        : { stream: overrides.logStream ?? logDestination() }),
    },
    // One line per request, written by the request-log plugin, instead of Fastify's two.
    logController: new LogController({ disableRequestLogging: true, requestIdLogLabel: 'requestId' }),
    // An idle keep-alive connection must outlive the load balancer's own idle timeout
    // (AWS ALB 60 s, nginx upstream keepalive_timeout 60 s): otherwise the balancer may
    // send a request on a connection this server is closing and answer 502.
    keepAliveTimeout: keepAliveMs,
    // The deadline runs from a request's first byte to its last, headers included; an
    // idle keep-alive connection has no request arriving, so only keepAliveTimeout
    // applies to it (the old advice to put headersTimeout above keepAliveTimeout dates
    // from Node versions that timed headers from the previous response). Both values go
    // to createServer, which checks that headersTimeout <= requestTimeout.
    http: {
      headersTimeout: REQUEST_TIMEOUT_MS,
      requestTimeout: REQUEST_TIMEOUT_MS,
      connectionsCheckingInterval: DEADLINE_CHECK_INTERVAL_MS,
      // Node would answer a missing Host with a bare 400 of its own; the app does it in the one shape.
      requireHostHeader: false,
    },
    // Fastify sets this on the server after creating it (0 would switch the deadline off).
    requestTimeout: REQUEST_TIMEOUT_MS,
    // On close: idle keep-alive connections are closed at once; busy ones after their response.
    forceCloseConnections: 'idle',
    bodyLimit: BODY_LIMIT,
    // Requests Node's parser refuses (431, bad header, bad Content-Length) or that miss
    // the deadline (408), and URLs the router cannot decode: the one error shape too.
    clientErrorHandler,
    frameworkErrors,
    // Behind a load balancer the client IP (rate limits, logs) comes from X-Forwarded-For,
    // trusted only as far as TRUST_PROXY says.
    // (Fastify accepts a hop count at run time; its types omit number.)
    trustProxy: config.trustProxy as FastifyHttpOptions<Server>['trustProxy'],
    // Unity and Flutter clients call the same routes with and without a trailing slash; no redirects.
    routerOptions: ROUTER_OPTIONS,
    requestIdHeader: false,
    // An incoming X-Request-Id is kept when it is sane, so traces join up across the load balancer.
    genReqId: (req: IncomingMessage) => {
      const incoming = req.headers['x-request-id'];
      return typeof incoming === 'string' && REQUEST_ID.test(incoming) ? incoming : randomUUID();
    },
    // Schema defaults document the API; handlers apply them (useDefaults off), so
    // that a missing field and its default take one visible code path.
    // No type coercion anywhere: a JSON body is validated as typed (uid null, "0x10"
    // or [7] is a 400, never the wildcard 0, 16 or 7). Query strings and path
    // parameters are declared as strings and parsed strictly by the handlers
    // (parseUid, parseLifetime), so they need no coercion either; a repeated query
    // parameter arrives as an array and is a 400.
    // validateSchema off: Ajv would compile the draft-07 meta-schema on the first request to check
    // our own, static schemas (a tenth of the time to the first token); test/openapi/schemas.test.ts
    // checks every one of them against it instead.
    ajv: { customOptions: { removeAdditional: false, coerceTypes: false, useDefaults: false, validateSchema: false } },
    // Validators and serializers are compiled on first use: start-up serves the first token sooner.
    schemaController: lazySchemaController(),
  };
}

/**
 * CORS for browser apps. A CORS preflight is an OPTIONS request with Origin and
 * Access-Control-Request-Method; any other OPTIONS request is not one and gets no
 * CORS treatment: like every method a route does not serve, it is a 405 with Allow
 * (or a 404 on an unknown path) in the one error shape, instead of @fastify/cors's
 * plain-text 400 "Invalid Preflight Request".
 */
function corsOptions(config: Config) {
  const options = {
    // `true` reflects the caller's origin (with Vary: Origin) instead of a bare '*'.
    origin: config.corsOrigins,
    methods: ['GET', 'POST', 'OPTIONS'],
    exposedHeaders: ['x-request-id', 'retry-after', 'www-authenticate', 'ratelimit-limit', 'ratelimit-remaining', 'ratelimit-reset'],
    maxAge: 600,
  };
  const notPreflight = { ...options, origin: false };
  return {
    delegator: (request: FastifyRequest, done: (err: Error | null, o: typeof options | typeof notPreflight) => void) => {
      const h = request.headers;
      done(null, request.method === 'OPTIONS' && !(h.origin && h['access-control-request-method']) ? notPreflight : options);
    },
  };
}

export async function buildApp(config: Config, overrides: AppOverrides = {}): Promise<FastifyInstance> {
  const app = Fastify(serverOptions(config, overrides));
  // The API speaks JSON only: anything else is a 415, not a confusing schema error.
  app.removeContentTypeParser('text/plain');

  // Headers known before the route runs are set at once: one synchronous hook, no onSend work.
  app.addHook('onRequest', (request, reply, done) => {
    reply.header('x-request-id', request.id);
    if (request.routeOptions.config.noStore) reply.headers(NO_STORE_HEADERS);
    done();
  });

  await app.register(errors);
  await app.register(jsonBody);
  await app.register(requestDeadline);
  await app.register(health);
  await app.register(requestLog, { trustsProxy: config.trustProxy !== false && config.trustProxy !== 0 });
  await app.register(metrics, { expose: config.metricsPort === undefined });
  logStreamOf(app).on?.('drop', () => app.metrics.logLinesDropped.inc());
  // Security headers and CORS come before load shedding, so that a shed 503 carries
  // them (a browser can only read Retry-After with CORS headers) and a preflight is
  // answered before shedding is considered: preflights are never shed.
  await app.register(security);
  await app.register(cors, corsOptions(config));
  // After the security and CORS hooks, so that its 400 or 417 carries them.
  app.addHook('onRequest', refuseBadHead);
  await app.register(loadShedding, {
    limits: config.shed,
    ...(overrides.pressureSampleIntervalMs !== undefined && { sampleIntervalMs: overrides.pressureSampleIntervalMs }),
    ...(overrides.pressureNow && { now: overrides.pressureNow }),
  });
  // Order matters: who is calling (auth), then how often (rate-limit), then what they may mint
  // (the agora plugin's mint guard: policy and audit around the minter, as request.mint).
  await app.register(auth, config.auth);
  await app.register(rateLimit, { ...config.rateLimit, ...(overrides.redisTimeouts && { redisTimeouts: overrides.redisTimeouts }) });
  await app.register(agora, {
    appId: config.appId,
    appCertificate: config.appCertificate,
    ttlDefault: config.tokenTtlDefault,
    ttlMax: config.tokenTtlMax,
    now: overrides.now,
    salt: overrides.salt,
  });
  await app.register(query);

  const limits = { ttlDefault: config.tokenTtlDefault, ttlMax: config.tokenTtlMax };
  const tokenSchemas = buildTokenSchemas(limits);
  const compatSchemas = buildCompatSchemas(limits);
  for (const schema of [...Object.values(tokenSchemas), ...inspectSchemas, ...compatComponents(compatSchemas), HealthSchema, ReadinessCheckSchema, ReadinessSchema]) {
    app.addSchema(schema);
  }
  await app.register(swagger, { publicUrl: config.publicUrl });

  // Registration order is the order of the spec's paths and of generated clients: v1 first.
  await app.register(v1TokenRoutes, { prefix: '/v1/tokens', schemas: tokenSchemas });
  await app.register(v1InspectRoutes, { prefix: '/v1/tokens' });
  await app.register(inspectPageRoutes, { authRequired: config.auth.methods.length > 0 });
  await app.register(healthRoutes);
  await app.register(compatRoutes, { schemas: compatSchemas });
  return app;
}
