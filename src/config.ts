/**
 * The one place configuration is validated. `src/server.ts` hands this module the
 * environment once; everything else receives a typed Config.
 *
 * By concern: src/config/env.ts declares every variable once (type, bounds, default,
 * meaning); src/config/declare.ts derives parsing, error lines and the docs tables
 * from those declarations; secrets.ts, auth.ts and http.ts hold the rules a single
 * declaration cannot state.
 */
import { readFileSync, statSync } from 'node:fs';
import { Type } from '@sinclair/typebox';
import { ConfigError, parseEnv, readText } from './config/declare.js';
import { EnvSchema, fail, type Env } from './config/env.js';
import { authConfig, type AuthConfig } from './config/auth.js';
import { corsOrigins, rateLimitConfig, trustProxy, type RateLimitConfig } from './config/http.js';
import { Secret, readFileVariables } from './config/secrets.js';

export { ConfigError } from './config/declare.js';
export { EnvSchema, JWT_ALGORITHMS, type Env, type JwtAlgorithm } from './config/env.js';
export type { AuthConfig, AuthMethod, JwtConfig } from './config/auth.js';
export type { RateLimitConfig } from './config/http.js';
export { Secret } from './config/secrets.js';

export interface Config {
  appId: string;
  appCertificate: Secret;
  port: number;
  host: string;
  logLevel: Env['LOG_LEVEL'];
  tokenTtlDefault: number;
  tokenTtlMax: number;
  /** `true` allows any origin. */
  corsOrigins: true | string[];
  /** Base URL published as the OpenAPI server; undefined: relative to the host serving the spec. */
  publicUrl: string | undefined;
  /** 'auto' is pretty when stdout is a TTY: serverOptions decides. */
  logFormat: Env['LOG_FORMAT'];
  shutdown: {
    /** Seconds of serving with /readyz at 503 after SIGTERM, so load balancers see the instance leave. */
    drainSeconds: number;
    /** Seconds in-flight requests get after the drain before the process exits anyway. */
    timeoutSeconds: number;
  };
  keepAliveTimeoutSeconds: number;
  /** A separate listener for /metrics; undefined serves it on `port`. */
  metricsPort: number | undefined;
  /** Load-shedding limits; 0 turns a limit off. */
  shed: {
    maxEventLoopDelayMs: number;
    /** undefined: 90 % of V8's heap limit, decided by the app at start. */
    maxHeapUsedMb: number | undefined;
    maxRssMb: number;
    maxEventLoopUtilization: number;
    retryAfterSeconds: number;
  };
  auth: AuthConfig;
  rateLimit: RateLimitConfig;
  /** Fastify's trustProxy: false, a hop count, or addresses/CIDRs of trusted proxies. */
  trustProxy: boolean | number | string[];
}

const readUtf8 = (path: string) => readFileSync(path, 'utf8');

export interface LoadConfigOptions {
  /** Reads a `*_FILE` secret and API_KEYS_FILE (default: the file system). */
  readFile?: (path: string) => string;
}

/**
 * Lets a `.env` file in the working directory fill in what the real environment
 * does not set (process entries call it before loadConfig). A `.env` that is not
 * a readable file is a ConfigError, not a crash.
 */
export function loadDotEnv(path = '.env'): void {
  const stat = statSync(path, { throwIfNoEntry: false });
  if (!stat) return;
  if (!stat.isFile()) throw new ConfigError(`${path} is invalid: it is not a file`);
  try {
    process.loadEnvFile(path);
    // A regular file the process cannot read (tests run as root, who reads anything).
    /* c8 ignore next 3 */
  } catch (err) {
    throw new ConfigError(`${path} is invalid: cannot read it (${(err as NodeJS.ErrnoException).code ?? 'error'})`);
  }
}

/** The credentials alone, each optional. */
const CredentialsEnv = Type.Partial(Type.Pick(EnvSchema, ['APP_ID', 'APP_CERTIFICATE', 'APP_CERTIFICATE_FILE']));

/**
 * Just the credentials, each optional, checked exactly as loadConfig checks them
 * (APP_CERTIFICATE_FILE included): for tools that verify tokens rather than serve.
 */
export function loadCredentials(
  source: Record<string, string | undefined>,
  options: LoadConfigOptions = {},
): { appId?: string; appCertificate?: Secret } {
  const env = readText(CredentialsEnv, source);
  readFileVariables(env, options.readFile ?? readUtf8);
  const e = parseEnv(CredentialsEnv, env);
  return {
    ...(e.APP_ID !== undefined && { appId: e.APP_ID }),
    ...(e.APP_CERTIFICATE !== undefined && { appCertificate: new Secret(e.APP_CERTIFICATE) }),
  };
}

/** Validates the environment; throws ConfigError naming the first bad variable. */
export function loadConfig(source: Record<string, string | undefined>, options: LoadConfigOptions = {}): Config {
  const env = readText(EnvSchema, source);
  const readFile = options.readFile ?? readUtf8;
  readFileVariables(env, readFile);
  const e = parseEnv(EnvSchema, env);
  if (e.APP_CERTIFICATE === undefined) fail('APP_CERTIFICATE', env);
  // The rules between variables; each variable's own are its declaration.
  // An unset TOKEN_TTL_DEFAULT is its default (3600), which a lower TOKEN_TTL_MAX can be below: that is not "missing".
  if (env.TOKEN_TTL_DEFAULT === undefined && e.TOKEN_TTL_DEFAULT > e.TOKEN_TTL_MAX) {
    throw new ConfigError(
      `TOKEN_TTL_DEFAULT is invalid: its default, ${e.TOKEN_TTL_DEFAULT} seconds, is above TOKEN_TTL_MAX (${e.TOKEN_TTL_MAX}); set TOKEN_TTL_DEFAULT to at most ${e.TOKEN_TTL_MAX}`,
    );
  }
  if (e.TOKEN_TTL_DEFAULT > e.TOKEN_TTL_MAX) fail('TOKEN_TTL_DEFAULT', env);
  if (e.METRICS_PORT === e.PORT) fail('METRICS_PORT', env);

  return {
    auth: authConfig(e, env, readFile),
    rateLimit: rateLimitConfig(e, env),
    trustProxy: trustProxy(e, env),
    appId: e.APP_ID,
    appCertificate: new Secret(e.APP_CERTIFICATE),
    port: e.PORT,
    host: e.HOST,
    logLevel: e.LOG_LEVEL,
    tokenTtlDefault: e.TOKEN_TTL_DEFAULT,
    tokenTtlMax: e.TOKEN_TTL_MAX,
    corsOrigins: corsOrigins(e, env),
    publicUrl: e.PUBLIC_URL,
    logFormat: e.LOG_FORMAT,
    shutdown: { drainSeconds: e.SHUTDOWN_DRAIN_SECONDS, timeoutSeconds: e.SHUTDOWN_TIMEOUT_SECONDS },
    keepAliveTimeoutSeconds: e.KEEP_ALIVE_TIMEOUT_SECONDS,
    metricsPort: e.METRICS_PORT,
    shed: {
      maxEventLoopDelayMs: e.SHED_MAX_EVENT_LOOP_DELAY_MS,
      maxHeapUsedMb: e.SHED_MAX_HEAP_USED_MB,
      maxRssMb: e.SHED_MAX_RSS_MB,
      maxEventLoopUtilization: e.SHED_MAX_EVENT_LOOP_UTILIZATION,
      retryAfterSeconds: e.SHED_RETRY_AFTER_SECONDS,
    },
  };
}
