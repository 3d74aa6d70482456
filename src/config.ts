/**
 * The one place configuration is defined and validated. `src/server.ts` hands
 * this module the environment once; everything else receives a typed Config.
 */
import { readFileSync } from 'node:fs';
import { inspect } from 'node:util';
import { Type, type Static } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { AGORA_TTL_CAP, HEX32_PATTERN } from './tokens/rules.js';

/**
 * Holds a secret so that it cannot reach a log line or a response by accident:
 * JSON, string conversion and util.inspect all print a placeholder.
 */
export class Secret {
  readonly #value: string;
  constructor(value: string) {
    this.#value = value;
  }
  reveal(): string {
    return this.#value;
  }
  toJSON(): string {
    return '[redacted]';
  }
  toString(): string {
    return '[redacted]';
  }
  [inspect.custom](): string {
    return '[redacted]';
  }
}

/** Empty, or an absolute http(s) URL, optionally with a path, without a trailing slash, query or fragment. */
const PUBLIC_URL_PATTERN = '^(https?://[^\\s/?#]+(/[^\\s?#]*[^\\s/?#])?)?$';

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
const LOG_FORMATS = ['auto', 'json', 'pretty'] as const;
const wholeNumber = (fallback: string | undefined, description: string) =>
  fallback === undefined
    ? Type.Optional(Type.String({ pattern: '^[0-9]{1,10}$', description }))
    : Type.String({ pattern: '^[0-9]{1,10}$', default: fallback, description });

/** The environment variables, as strings, with their defaults. These names are public contract. */
export const EnvSchema = Type.Object({
  APP_ID: Type.String({ pattern: HEX32_PATTERN, description: 'Agora App ID (32 hex characters)' }),
  APP_CERTIFICATE: Type.Optional(
    Type.String({ pattern: HEX32_PATTERN, description: 'Agora App Certificate (32 hex characters); or use APP_CERTIFICATE_FILE' }),
  ),
  APP_CERTIFICATE_FILE: Type.Optional(
    Type.String({ minLength: 1, description: 'path of a file holding the App Certificate (Docker/Kubernetes secrets)' }),
  ),
  PORT: Type.String({ pattern: '^[0-9]{1,5}$', default: '8080', description: 'TCP port (0 to 65535)' }),
  HOST: Type.String({ minLength: 1, default: '0.0.0.0', description: 'address to listen on' }),
  LOG_LEVEL: Type.Union(
    LOG_LEVELS.map((l) => Type.Literal(l)),
    { default: 'info', description: LOG_LEVELS.join('|') },
  ),
  TOKEN_TTL_DEFAULT: Type.String({ pattern: '^[0-9]{1,6}$', default: '3600', description: 'seconds' }),
  TOKEN_TTL_MAX: Type.String({ pattern: '^[0-9]{1,6}$', default: String(AGORA_TTL_CAP), description: 'seconds' }),
  CORS_ORIGINS: Type.String({ default: '*', description: "comma-separated origins, or '*'" }),
  PUBLIC_URL: Type.String({
    pattern: PUBLIC_URL_PATTERN,
    default: '',
    description: 'base URL clients call, listed as the OpenAPI server (default: the host serving the document)',
  }),
  LOG_FORMAT: Type.Union(
    LOG_FORMATS.map((f) => Type.Literal(f)),
    { default: 'auto', description: 'auto = pretty on a TTY, JSON otherwise' },
  ),
  SHUTDOWN_DRAIN_SECONDS: wholeNumber('10', 'on SIGTERM: seconds to keep serving with /readyz at 503 before closing'),
  SHUTDOWN_TIMEOUT_SECONDS: wholeNumber('10', 'after the drain: seconds in-flight requests get before a forced exit'),
  KEEP_ALIVE_TIMEOUT_SECONDS: wholeNumber('75', 'idle keep-alive timeout; keep it above the load balancer\'s'),
  METRICS_PORT: wholeNumber(undefined, 'serve /metrics on this port only (unset: on PORT)'),
  SHED_MAX_EVENT_LOOP_DELAY_MS: wholeNumber('1000', 'shed load above this event-loop delay (0 = off)'),
  SHED_MAX_HEAP_USED_MB: wholeNumber(undefined, 'shed load above this heap use (unset: 90 % of the heap limit; 0 = off)'),
  SHED_MAX_RSS_MB: wholeNumber('0', 'shed load above this resident memory (0 = off)'),
  SHED_MAX_EVENT_LOOP_UTILIZATION: Type.String({
    pattern: '^(0(\\.[0-9]{1,3})?|1(\\.0{1,3})?)$',
    default: '0',
    description: 'shed load above this event-loop utilization, 0 to 1 (0 = off)',
  }),
  SHED_RETRY_AFTER_SECONDS: wholeNumber('5', 'Retry-After sent with a shed (503) response'),
});
export type Env = Static<typeof EnvSchema>;

export interface Config {
  appId: string;
  appCertificate: Secret;
  port: number;
  host: string;
  logLevel: (typeof LOG_LEVELS)[number];
  tokenTtlDefault: number;
  tokenTtlMax: number;
  /** `true` allows any origin. */
  corsOrigins: true | string[];
  /** Base URL published as the OpenAPI server; undefined: relative to the host serving the spec. */
  publicUrl: string | undefined;
  /** 'auto' is pretty when stdout is a TTY: serverOptions decides. */
  logFormat: (typeof LOG_FORMATS)[number];
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
}

export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

const EXPECTED: Record<keyof Env, string> = {
  APP_ID: 'your Agora App ID: 32 hexadecimal characters',
  APP_CERTIFICATE: 'your Agora App Certificate: 32 hexadecimal characters (or APP_CERTIFICATE_FILE: a file holding it)',
  PORT: 'a TCP port from 0 to 65535',
  HOST: 'an address to listen on, e.g. 0.0.0.0',
  LOG_LEVEL: `one of ${LOG_LEVELS.join(', ')}`,
  TOKEN_TTL_DEFAULT: `a whole number of seconds from 1 to TOKEN_TTL_MAX`,
  TOKEN_TTL_MAX: `a whole number of seconds from 1 to ${AGORA_TTL_CAP}`,
  APP_CERTIFICATE_FILE: 'the path of a readable file holding your Agora App Certificate (32 hexadecimal characters), and no APP_CERTIFICATE',
  CORS_ORIGINS: "'*' or a comma-separated list of origins such as https://app.example.com",
  PUBLIC_URL: 'an absolute http(s) URL without a trailing slash, such as https://tokens.example.com',
  LOG_FORMAT: `one of ${LOG_FORMATS.join(', ')}`,
  SHUTDOWN_DRAIN_SECONDS: 'a whole number of seconds from 0 to 3600',
  SHUTDOWN_TIMEOUT_SECONDS: 'a whole number of seconds from 1 to 3600',
  KEEP_ALIVE_TIMEOUT_SECONDS: 'a whole number of seconds from 1 to 3600',
  METRICS_PORT: 'a TCP port from 1 to 65535, different from PORT',
  SHED_MAX_EVENT_LOOP_DELAY_MS: 'a whole number of milliseconds (0 = off)',
  SHED_MAX_HEAP_USED_MB: 'a whole number of megabytes (0 = off)',
  SHED_MAX_RSS_MB: 'a whole number of megabytes (0 = off)',
  SHED_MAX_EVENT_LOOP_UTILIZATION: 'a fraction from 0 to 1 such as 0.98 (0 = off)',
  SHED_RETRY_AFTER_SECONDS: 'a whole number of seconds from 1 to 3600',
};

/** Variables that may instead be read from a file named by `<NAME>_FILE` (Docker and Kubernetes secrets). */
const FILE_VARIABLES = ['APP_CERTIFICATE'] as const;

export interface LoadConfigOptions {
  /** Reads a `*_FILE` secret (default: the file system). */
  readFile?: (path: string) => string;
}

function fail(name: keyof Env, env: Record<string, string | undefined>): never {
  const state = env[name] === undefined || env[name] === '' ? 'is missing' : 'is invalid';
  // Never echo the value: it may be the certificate.
  throw new ConfigError(`${name} ${state}: expected ${EXPECTED[name]}`);
}

/** Replaces `NAME_FILE` by the content of that file as `NAME`; never both. */
function readFileVariables(env: Record<string, string | undefined>, readFile: (path: string) => string): void {
  for (const name of FILE_VARIABLES) {
    const fileName = `${name}_FILE` as const;
    const path = env[fileName];
    if (path === undefined) continue;
    if (env[name] !== undefined) {
      throw new ConfigError(`${fileName} is invalid: set either ${name} or ${fileName}, not both`);
    }
    let content: string;
    try {
      content = readFile(path);
    } catch (err) {
      // The path is not secret; the content is, so it is never echoed.
      throw new ConfigError(`${fileName} is invalid: cannot read ${path} (${(err as NodeJS.ErrnoException).code ?? 'error'})`);
    }
    env[name] = content.trim() || undefined;
    if (env[name] === undefined || !Value.Check(EnvSchema.properties[name], env[name])) fail(fileName, env);
  }
}

function wholeIn(name: keyof Env, env: Record<string, string | undefined>, value: string, min: number, max: number): number {
  const n = Number(value);
  if (n < min || n > max) fail(name, env);
  return n;
}

/** Validates the environment; throws ConfigError naming the first bad variable. */
export function loadConfig(source: Record<string, string | undefined>, options: LoadConfigOptions = {}): Config {
  const names = Object.keys(EnvSchema.properties) as (keyof Env)[];
  const env: Record<string, string | undefined> = {};
  for (const name of names) {
    const v = source[name]?.trim();
    env[name] = v === '' ? undefined : v;
  }
  readFileVariables(env, options.readFile ?? ((path) => readFileSync(path, 'utf8')));
  const withDefaults = Value.Default(EnvSchema, { ...env }) as Record<string, unknown>;
  const required = new Set<string>(EnvSchema.required);
  for (const name of names) {
    if (withDefaults[name] === undefined && !required.has(name)) continue;
    if (!Value.Check(EnvSchema.properties[name], withDefaults[name])) fail(name, env);
  }
  const e = withDefaults as Env;
  if (e.APP_CERTIFICATE === undefined) fail('APP_CERTIFICATE', env);

  const port = Number(e.PORT);
  if (port > 65_535) fail('PORT', env);
  const tokenTtlMax = Number(e.TOKEN_TTL_MAX);
  if (tokenTtlMax < 1 || tokenTtlMax > AGORA_TTL_CAP) fail('TOKEN_TTL_MAX', env);
  const tokenTtlDefault = Number(e.TOKEN_TTL_DEFAULT);
  if (tokenTtlDefault < 1 || tokenTtlDefault > tokenTtlMax) fail('TOKEN_TTL_DEFAULT', env);

  let corsOrigins: true | string[] = true;
  if (e.CORS_ORIGINS !== '*') {
    corsOrigins = e.CORS_ORIGINS.split(',').map((o) => o.trim()).filter(Boolean);
    if (corsOrigins.length === 0 || !corsOrigins.every((o) => /^https?:\/\/[^\s/]+$/.test(o))) {
      fail('CORS_ORIGINS', env);
    }
  }

  const metricsPort = e.METRICS_PORT === undefined ? undefined : Number(e.METRICS_PORT);
  if (metricsPort !== undefined && (metricsPort < 1 || metricsPort > 65_535 || metricsPort === port)) fail('METRICS_PORT', env);
  const hour = 3600;

  return {
    appId: e.APP_ID,
    appCertificate: new Secret(e.APP_CERTIFICATE),
    port,
    host: e.HOST,
    logLevel: e.LOG_LEVEL,
    tokenTtlDefault,
    tokenTtlMax,
    corsOrigins,
    publicUrl: e.PUBLIC_URL || undefined,
    logFormat: e.LOG_FORMAT,
    shutdown: {
      drainSeconds: wholeIn('SHUTDOWN_DRAIN_SECONDS', env, e.SHUTDOWN_DRAIN_SECONDS, 0, hour),
      timeoutSeconds: wholeIn('SHUTDOWN_TIMEOUT_SECONDS', env, e.SHUTDOWN_TIMEOUT_SECONDS, 1, hour),
    },
    keepAliveTimeoutSeconds: wholeIn('KEEP_ALIVE_TIMEOUT_SECONDS', env, e.KEEP_ALIVE_TIMEOUT_SECONDS, 1, hour),
    metricsPort,
    shed: {
      maxEventLoopDelayMs: Number(e.SHED_MAX_EVENT_LOOP_DELAY_MS),
      maxHeapUsedMb: e.SHED_MAX_HEAP_USED_MB === undefined ? undefined : Number(e.SHED_MAX_HEAP_USED_MB),
      maxRssMb: Number(e.SHED_MAX_RSS_MB),
      maxEventLoopUtilization: Number(e.SHED_MAX_EVENT_LOOP_UTILIZATION),
      retryAfterSeconds: wholeIn('SHED_RETRY_AFTER_SECONDS', env, e.SHED_RETRY_AFTER_SECONDS, 1, hour),
    },
  };
}
