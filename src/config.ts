/**
 * The one place configuration is defined and validated. `src/server.ts` hands
 * this module the environment once; everything else receives a typed Config.
 */
import { readFileSync, statSync } from 'node:fs';
import { createPublicKey, type KeyObject } from 'node:crypto';
import { isIP } from 'node:net';
import { inspect } from 'node:util';
import { Type, type Static } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { parseApiKeys, type ApiKeyEntry, type KeySource } from './auth/api-keys.js';
import type { AuthMethod } from './auth/policy.js';
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
/** Only signature algorithms; `none` can never be configured. */
export const JWT_ALGORITHMS = [
  'RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA', 'Ed25519', 'HS256', 'HS384', 'HS512',
] as const;
export type JwtAlgorithm = (typeof JWT_ALGORITHMS)[number];
const CLAIM_NAME = '^[A-Za-z0-9_:/.-]{1,200}$';

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
  AUTH_MODE: Type.String({ pattern: '^(none|apiKey|jwt|apiKey,jwt|jwt,apiKey)$', default: 'none', description: 'none|apiKey|jwt|apiKey,jwt' }),
  API_KEYS: Type.Optional(Type.String({ description: 'comma-separated [name:]key or [name:]sha256:<digest>' })),
  API_KEYS_FILE: Type.Optional(Type.String({ description: 'file of API keys, one per line, with optional limits' })),
  JWT_JWKS_URL: Type.Optional(Type.String({ pattern: '^https?://', description: 'JWKS URL of the token issuer' })),
  JWT_PUBLIC_KEY: Type.Optional(Type.String({ pattern: '-----BEGIN PUBLIC KEY-----', description: 'PEM public key verifying JWTs' })),
  JWT_SECRET: Type.Optional(Type.String({ minLength: 32, description: 'HMAC secret verifying JWTs' })),
  JWT_ALGORITHMS: Type.Optional(
    Type.String({ pattern: `^(${JWT_ALGORITHMS.join('|')})(,(${JWT_ALGORITHMS.join('|')}))*$`, description: 'accepted JWT algorithms' }),
  ),
  JWT_ISSUER: Type.Optional(Type.String({ minLength: 1, description: 'expected iss claim' })),
  JWT_AUDIENCE: Type.Optional(Type.String({ minLength: 1, description: 'expected aud claim' })),
  JWT_CLOCK_SKEW: Type.String({ pattern: '^[0-9]{1,3}$', default: '30', description: 'seconds of slack on exp/nbf' }),
  JWT_JWKS_COOLDOWN: Type.String({ pattern: '^[0-9]{1,4}$', default: '30', description: 'seconds between JWKS refetches for unknown kids' }),
  JWT_IDENTITY_CLAIM: Type.String({ pattern: CLAIM_NAME, default: 'sub', description: 'claim that user accounts/ids must equal' }),
  JWT_UID_CLAIM: Type.String({ pattern: CLAIM_NAME, default: 'uid', description: 'claim that integer uids must equal' }),
  JWT_POLICY_CLAIM: Type.String({ pattern: CLAIM_NAME, default: 'agora', description: 'claim holding the caller permissions' }),
  RATE_LIMIT_MAX: Type.String({ pattern: '^[0-9]{1,9}$', default: '600', description: 'requests per window per caller or IP' }),
  RATE_LIMIT_WINDOW: Type.String({ pattern: '^[0-9]{1,9}(ms|s|m|h)?$', default: '1m', description: 'rate-limit window' }),
  RATE_LIMIT_FAIL_MODE: Type.Union([Type.Literal('open'), Type.Literal('closed')], { default: 'open', description: 'open|closed while Redis is down' }),
  REDIS_URL: Type.Optional(Type.String({ pattern: '^rediss?://', description: 'Redis sharing rate limits across replicas' })),
  TRUST_PROXY: Type.String({ default: 'false', description: 'false|true|hops|proxy addresses and CIDRs' }),
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
  auth: AuthConfig;
  rateLimit: RateLimitConfig;
  /** Fastify's trustProxy: false, a hop count, or addresses/CIDRs of trusted proxies. */
  trustProxy: boolean | number | string[];
}

export type { AuthMethod };

export interface JwtConfig {
  /** Exactly one key source. */
  jwksUrl?: URL;
  publicKey?: KeyObject;
  secret?: Secret;
  algorithms: JwtAlgorithm[];
  issuer: string;
  audience: string;
  clockSkewSeconds: number;
  jwksCooldownSeconds: number;
  identityClaim: string;
  uidClaim: string;
  policyClaim: string;
}

export interface AuthConfig {
  /** Empty: no authentication (AUTH_MODE=none). */
  methods: AuthMethod[];
  apiKeys: ApiKeyEntry[];
  jwt?: JwtConfig;
}

export interface RateLimitConfig {
  max: number;
  windowMs: number;
  /** Shared store; absent: in memory, per instance. May hold a password. */
  redisUrl?: Secret;
  failMode: 'open' | 'closed';
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
  AUTH_MODE: 'none, apiKey, jwt or apiKey,jwt',
  API_KEYS: 'a comma-separated list of [name:]key (key at least 16 characters) or [name:]sha256:<64 hex>',
  API_KEYS_FILE: 'a readable file with one [name:]key or [name:]sha256:<hex> per line, then optional channels= services= roles= wildcardUid= maxTtl= rateLimit= (each at most once)',
  JWT_JWKS_URL: 'an https:// URL of a JWKS (http:// only for localhost); set exactly one of JWT_JWKS_URL, JWT_PUBLIC_KEY, JWT_SECRET',
  JWT_PUBLIC_KEY: 'a PEM public key (-----BEGIN PUBLIC KEY-----, \\n escapes allowed); set exactly one of JWT_JWKS_URL, JWT_PUBLIC_KEY, JWT_SECRET',
  JWT_SECRET: 'a shared secret of at least 32 characters; set exactly one of JWT_JWKS_URL, JWT_PUBLIC_KEY, JWT_SECRET',
  JWT_ALGORITHMS: `a comma-separated list from ${JWT_ALGORITHMS.join(', ')}; HS* only with JWT_SECRET, the others only with a key or JWKS`,
  JWT_ISSUER: 'the expected iss claim (required when AUTH_MODE includes jwt)',
  JWT_AUDIENCE: 'the expected aud claim (required when AUTH_MODE includes jwt)',
  JWT_CLOCK_SKEW: 'seconds of clock skew tolerated on exp/nbf, 0 to 300',
  JWT_JWKS_COOLDOWN: 'seconds between JWKS refetches on an unknown kid, 0 to 3600',
  JWT_IDENTITY_CLAIM: 'a claim name such as sub',
  JWT_UID_CLAIM: 'a claim name such as uid',
  JWT_POLICY_CLAIM: 'a claim name such as agora or https://example.com/agora',
  RATE_LIMIT_MAX: 'a whole number of requests per window, at least 1',
  RATE_LIMIT_WINDOW: 'a duration such as 60s, 1m or 500ms (bare number: seconds), at least 1 second',
  RATE_LIMIT_FAIL_MODE: 'open or closed',
  REDIS_URL: 'a redis:// or rediss:// URL',
  TRUST_PROXY: 'false, true, a number of proxy hops, or a comma-separated list of proxy addresses/CIDRs',
};

/** Variables that may instead be read from a file named by `<NAME>_FILE` (Docker and Kubernetes secrets). */
const FILE_VARIABLES = ['APP_CERTIFICATE'] as const;

export interface LoadConfigOptions {
  /** Reads a `*_FILE` secret and API_KEYS_FILE (default: the file system). */
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

/**
 * Just the credentials, each optional, checked exactly as loadConfig checks them
 * (APP_CERTIFICATE_FILE included): for tools that verify tokens rather than serve.
 */
export function loadCredentials(
  source: Record<string, string | undefined>,
  options: LoadConfigOptions = {},
): { appId?: string; appCertificate?: Secret } {
  const env: Record<string, string | undefined> = {};
  for (const name of ['APP_ID', 'APP_CERTIFICATE', 'APP_CERTIFICATE_FILE'] as const) env[name] = source[name]?.trim() || undefined;
  readFileVariables(env, options.readFile ?? ((path: string) => readFileSync(path, 'utf8')));
  for (const name of ['APP_ID', 'APP_CERTIFICATE'] as const) {
    if (env[name] !== undefined && !Value.Check(Type.String({ pattern: HEX32_PATTERN }), env[name])) fail(name, env);
  }
  return {
    ...(env.APP_ID !== undefined && { appId: env.APP_ID }),
    ...(env.APP_CERTIFICATE !== undefined && { appCertificate: new Secret(env.APP_CERTIFICATE) }),
  };
}

/** Validates the environment; throws ConfigError naming the first bad variable. */
export function loadConfig(source: Record<string, string | undefined>, options: LoadConfigOptions = {}): Config {
  const names = Object.keys(EnvSchema.properties) as (keyof Env)[];
  const env: Record<string, string | undefined> = {};
  for (const name of names) {
    const v = source[name]?.trim();
    env[name] = v === '' ? undefined : v;
  }
  const readFile = options.readFile ?? ((path: string) => readFileSync(path, 'utf8'));
  readFileVariables(env, readFile);
  const withDefaults = Value.Default(EnvSchema, { ...env }) as Record<string, unknown>;
  const required = new Set<string>(EnvSchema.required);
  for (const name of names) {
    if (withDefaults[name] === undefined && !required.has(name)) continue;
    if (!Value.Check(EnvSchema.properties[name], withDefaults[name])) fail(name, env);
  }
  const e = withDefaults as Env;
  if (e.APP_CERTIFICATE === undefined) fail('APP_CERTIFICATE', env);

  const port = wholeIn('PORT', env, e.PORT, 0, 65_535);
  const tokenTtlMax = wholeIn('TOKEN_TTL_MAX', env, e.TOKEN_TTL_MAX, 1, AGORA_TTL_CAP);
  const tokenTtlDefault = wholeIn('TOKEN_TTL_DEFAULT', env, e.TOKEN_TTL_DEFAULT, 1, tokenTtlMax);

  let corsOrigins: true | string[] = true;
  if (e.CORS_ORIGINS !== '*') {
    corsOrigins = e.CORS_ORIGINS.split(',').map((o) => o.trim()).filter(Boolean);
    if (corsOrigins.length === 0 || !corsOrigins.every((o) => /^https?:\/\/[^\s/]+$/.test(o))) {
      fail('CORS_ORIGINS', env);
    }
  }

  const metricsPort = e.METRICS_PORT === undefined ? undefined : wholeIn('METRICS_PORT', env, e.METRICS_PORT, 1, 65_535);
  if (metricsPort === port) fail('METRICS_PORT', env);
  const hour = 3600;

  return {
    auth: authConfig(e, env, readFile),
    rateLimit: rateLimitConfig(e, env),
    trustProxy: trustProxy(e, env),
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

const WINDOW_UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

function rateLimitConfig(e: Env, env: Record<string, string | undefined>): RateLimitConfig {
  const max = Number(e.RATE_LIMIT_MAX);
  if (max < 1) fail('RATE_LIMIT_MAX', env);
  const [, amount, unit] = /^([0-9]+)([a-z]*)$/.exec(e.RATE_LIMIT_WINDOW) as RegExpExecArray;
  const windowMs = Number(amount) * (WINDOW_UNITS[unit || 's'] as number);
  if (windowMs < 1000) fail('RATE_LIMIT_WINDOW', env);
  let redisUrl: Secret | undefined;
  if (e.REDIS_URL !== undefined) {
    if (!URL.canParse(e.REDIS_URL)) fail('REDIS_URL', env);
    redisUrl = new Secret(e.REDIS_URL);
  }
  return { max, windowMs, failMode: e.RATE_LIMIT_FAIL_MODE, ...(redisUrl && { redisUrl }) };
}

const NAMED_PROXY_RANGES = new Set(['loopback', 'linklocal', 'uniquelocal']);

function trustProxy(e: Env, env: Record<string, string | undefined>): boolean | number | string[] {
  const v = e.TRUST_PROXY;
  if (v === 'false') return false;
  if (v === 'true') return true;
  if (/^[0-9]{1,2}$/.test(v)) return Number(v);
  const entries = v.split(',').map((x) => x.trim());
  for (const entry of entries) {
    if (NAMED_PROXY_RANGES.has(entry)) continue;
    const [address = '', prefix, extra] = entry.split('/');
    const family = isIP(address);
    const maxPrefix = family === 6 ? 128 : 32;
    const badPrefix = prefix !== undefined && (!/^[0-9]{1,3}$/.test(prefix) || Number(prefix) > maxPrefix);
    if (family === 0 || badPrefix || extra !== undefined) fail('TRUST_PROXY', env);
  }
  return entries;
}

function isLoopbackHost(hostname: string): boolean {
  return hostname === 'localhost' || hostname === '[::1]' || /^127\.[0-9.]+$/.test(hostname);
}

/** The variables that configure each method: set without that method, they would be silently ignored. */
const METHOD_VARIABLES: Record<AuthMethod, (keyof Env)[]> = {
  apiKey: ['API_KEYS', 'API_KEYS_FILE'],
  jwt: ['JWT_JWKS_URL', 'JWT_PUBLIC_KEY', 'JWT_SECRET', 'JWT_ALGORITHMS', 'JWT_ISSUER', 'JWT_AUDIENCE'],
};

function authConfig(e: Env, env: Record<string, string | undefined>, readFile: (path: string) => string): AuthConfig {
  const methods = e.AUTH_MODE === 'none' ? [] : (e.AUTH_MODE.split(',') as AuthMethod[]);
  // Credentials configured for a method that is off: the operator meant to protect the
  // server. Only an explicit AUTH_MODE=none runs open (e.g. a shared .env used for local runs).
  if (env.AUTH_MODE !== 'none') {
    for (const method of ['apiKey', 'jwt'] as const) {
      const set = METHOD_VARIABLES[method].find((n) => env[n] !== undefined);
      if (set !== undefined && !methods.includes(method)) {
        const state = env.AUTH_MODE === undefined ? 'is missing' : 'is invalid';
        throw new ConfigError(`AUTH_MODE ${state}: ${set} is set, so AUTH_MODE must include ${method} (or be none to run without authentication on purpose)`);
      }
    }
  }
  const apiKeys: ApiKeyEntry[] = [];
  if (methods.includes('apiKey')) {
    const sources: KeySource[] = [];
    if (e.API_KEYS !== undefined) sources.push({ variable: 'API_KEYS', text: e.API_KEYS });
    if (e.API_KEYS_FILE !== undefined) {
      try {
        sources.push({ variable: 'API_KEYS_FILE', text: readFile(e.API_KEYS_FILE) });
      } catch {
        fail('API_KEYS_FILE', env);
      }
    }
    // The variable, line and reason help; the line itself may hold a key and is never echoed.
    const keys = parseApiKeys(sources);
    if (!keys.ok) throw new ConfigError(keys.message);
    apiKeys.push(...keys.entries);
    if (apiKeys.length === 0) {
      throw new ConfigError('API_KEYS is missing: AUTH_MODE includes apiKey, so set API_KEYS or API_KEYS_FILE with at least one key');
    }
  }
  if (!methods.includes('jwt')) return { methods, apiKeys };

  const sources = (['JWT_JWKS_URL', 'JWT_PUBLIC_KEY', 'JWT_SECRET'] as const).filter((n) => e[n] !== undefined);
  if (sources.length !== 1) fail(sources[1] ?? 'JWT_JWKS_URL', env);
  if (e.JWT_ISSUER === undefined) fail('JWT_ISSUER', env);
  if (e.JWT_AUDIENCE === undefined) fail('JWT_AUDIENCE', env);
  const key: Pick<JwtConfig, 'jwksUrl' | 'publicKey' | 'secret'> = {};
  if (e.JWT_JWKS_URL !== undefined) {
    if (!URL.canParse(e.JWT_JWKS_URL)) fail('JWT_JWKS_URL', env);
    const url = new URL(e.JWT_JWKS_URL);
    // Keys fetched over plain http could be swapped by anyone on the path.
    if (url.protocol === 'http:' && !isLoopbackHost(url.hostname)) fail('JWT_JWKS_URL', env);
    key.jwksUrl = url;
  } else if (e.JWT_PUBLIC_KEY !== undefined) {
    try {
      key.publicKey = createPublicKey(e.JWT_PUBLIC_KEY.replaceAll('\\n', '\n'));
    } catch {
      fail('JWT_PUBLIC_KEY', env);
    }
  } else {
    key.secret = new Secret(e.JWT_SECRET as string);
  }
  // A shared secret and a public key must never be confused: HMAC algorithms go with
  // JWT_SECRET only, the asymmetric ones with a key or JWKS only.
  const symmetric = key.secret !== undefined;
  const defaults: JwtAlgorithm[] = symmetric ? ['HS256'] : ['RS256', 'PS256', 'ES256', 'EdDSA', 'Ed25519'];
  const algorithms = e.JWT_ALGORITHMS === undefined ? defaults : (e.JWT_ALGORITHMS.split(',') as JwtAlgorithm[]);
  if (!algorithms.every((a) => a.startsWith('HS') === symmetric)) fail('JWT_ALGORITHMS', env);
  const clockSkewSeconds = Number(e.JWT_CLOCK_SKEW);
  if (clockSkewSeconds > 300) fail('JWT_CLOCK_SKEW', env);
  const jwksCooldownSeconds = Number(e.JWT_JWKS_COOLDOWN);
  if (jwksCooldownSeconds > 3600) fail('JWT_JWKS_COOLDOWN', env);
  return {
    methods,
    apiKeys,
    jwt: {
      ...key,
      algorithms,
      issuer: e.JWT_ISSUER,
      audience: e.JWT_AUDIENCE,
      clockSkewSeconds,
      jwksCooldownSeconds,
      identityClaim: e.JWT_IDENTITY_CLAIM,
      uidClaim: e.JWT_UID_CLAIM,
      policyClaim: e.JWT_POLICY_CLAIM,
    },
  };
}
