/**
 * The one place configuration is defined and validated. `src/server.ts` hands
 * this module the environment once; everything else receives a typed Config.
 */
import { readFileSync } from 'node:fs';
import { createPublicKey, type KeyObject } from 'node:crypto';
import { isIP } from 'node:net';
import { inspect } from 'node:util';
import { Type, type Static } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { parseApiKeyLines, type ApiKeyEntry } from './auth/api-keys.js';
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

/** The environment variables, as strings, with their defaults. These names are public contract. */
export const EnvSchema = Type.Object({
  APP_ID: Type.String({ pattern: HEX32_PATTERN, description: 'Agora App ID (32 hex characters)' }),
  APP_CERTIFICATE: Type.String({ pattern: HEX32_PATTERN, description: 'Agora App Certificate (32 hex characters)' }),
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
  AUTH_MODE: Type.String({ pattern: '^(none|apiKey|jwt|apiKey,jwt|jwt,apiKey)$', default: 'none' }),
  API_KEYS: Type.Optional(Type.String()),
  API_KEYS_FILE: Type.Optional(Type.String()),
  JWT_JWKS_URL: Type.Optional(Type.String({ pattern: '^https?://' })),
  JWT_PUBLIC_KEY: Type.Optional(Type.String({ pattern: '-----BEGIN PUBLIC KEY-----' })),
  JWT_SECRET: Type.Optional(Type.String({ minLength: 32 })),
  JWT_ALGORITHMS: Type.Optional(Type.String({ pattern: `^(${JWT_ALGORITHMS.join('|')})(,(${JWT_ALGORITHMS.join('|')}))*$` })),
  JWT_ISSUER: Type.Optional(Type.String({ minLength: 1 })),
  JWT_AUDIENCE: Type.Optional(Type.String({ minLength: 1 })),
  JWT_CLOCK_SKEW: Type.String({ pattern: '^[0-9]{1,3}$', default: '30' }),
  JWT_JWKS_COOLDOWN: Type.String({ pattern: '^[0-9]{1,4}$', default: '30' }),
  JWT_IDENTITY_CLAIM: Type.String({ pattern: CLAIM_NAME, default: 'sub' }),
  JWT_UID_CLAIM: Type.String({ pattern: CLAIM_NAME, default: 'uid' }),
  JWT_POLICY_CLAIM: Type.String({ pattern: CLAIM_NAME, default: 'agora' }),
  RATE_LIMIT_MAX: Type.String({ pattern: '^[0-9]{1,9}$', default: '600' }),
  RATE_LIMIT_WINDOW: Type.String({ pattern: '^[0-9]{1,9}(ms|s|m|h)?$', default: '1m' }),
  RATE_LIMIT_FAIL_MODE: Type.Union([Type.Literal('open'), Type.Literal('closed')], { default: 'open' }),
  REDIS_URL: Type.Optional(Type.String({ pattern: '^rediss?://' })),
  TRUST_PROXY: Type.String({ default: 'false' }),
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
  auth: AuthConfig;
  rateLimit: RateLimitConfig;
  /** Fastify's trustProxy: false, a hop count, or addresses/CIDRs of trusted proxies. */
  trustProxy: boolean | number | string[];
}

export type AuthMethod = 'apiKey' | 'jwt';

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
  APP_CERTIFICATE: 'your Agora App Certificate: 32 hexadecimal characters',
  PORT: 'a TCP port from 0 to 65535',
  HOST: 'an address to listen on, e.g. 0.0.0.0',
  LOG_LEVEL: `one of ${LOG_LEVELS.join(', ')}`,
  TOKEN_TTL_DEFAULT: `a whole number of seconds from 1 to TOKEN_TTL_MAX`,
  TOKEN_TTL_MAX: `a whole number of seconds from 1 to ${AGORA_TTL_CAP}`,
  CORS_ORIGINS: "'*' or a comma-separated list of origins such as https://app.example.com",
  PUBLIC_URL: 'an absolute http(s) URL without a trailing slash, such as https://tokens.example.com',
  AUTH_MODE: 'none, apiKey, jwt or apiKey,jwt',
  API_KEYS: 'a comma-separated list of [name:]key (key at least 16 characters) or [name:]sha256:<64 hex>',
  API_KEYS_FILE: 'a readable file with one [name:]key or [name:]sha256:<hex> per line, then optional channels= maxTtl= roles= rateLimit=',
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

function fail(name: keyof Env, env: Record<string, string | undefined>): never {
  const state = env[name] === undefined || env[name] === '' ? 'is missing' : 'is invalid';
  // Never echo the value: it may be the certificate.
  throw new ConfigError(`${name} ${state}: expected ${EXPECTED[name]}`);
}

/** Validates the environment; throws ConfigError naming the first bad variable. */
export function loadConfig(source: Record<string, string | undefined>): Config {
  const names = Object.keys(EnvSchema.properties) as (keyof Env)[];
  const env: Record<string, string | undefined> = {};
  for (const name of names) {
    const v = source[name]?.trim();
    env[name] = v === '' ? undefined : v;
  }
  const withDefaults = Value.Default(EnvSchema, { ...env }) as Record<string, unknown>;
  const required = new Set<string>(EnvSchema.required);
  for (const name of names) {
    if (withDefaults[name] === undefined && !required.has(name)) continue;
    if (!Value.Check(EnvSchema.properties[name], withDefaults[name])) fail(name, env);
  }
  const e = withDefaults as Env;

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

  return {
    auth: authConfig(e, env),
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

function authConfig(e: Env, env: Record<string, string | undefined>): AuthConfig {
  const methods = e.AUTH_MODE === 'none' ? [] : (e.AUTH_MODE.split(',') as AuthMethod[]);
  const apiKeys: ApiKeyEntry[] = [];
  if (methods.includes('apiKey')) {
    if (e.API_KEYS !== undefined) {
      const keys = parseApiKeyLines(e.API_KEYS.split(','), { allowOptions: false });
      if (!keys.ok) fail('API_KEYS', env);
      apiKeys.push(...keys.entries);
    }
    if (e.API_KEYS_FILE !== undefined) {
      let text: string;
      try {
        text = readFileSync(e.API_KEYS_FILE, 'utf8');
      } catch {
        fail('API_KEYS_FILE', env);
      }
      const keys = parseApiKeyLines(text.split('\n'), { allowOptions: true });
      if (!keys.ok) {
        // The line number helps; the line itself may hold a key and is never echoed.
        throw new ConfigError(`API_KEYS_FILE is invalid at line ${keys.line}: expected ${EXPECTED.API_KEYS_FILE}`);
      }
      apiKeys.push(...keys.entries);
    }
    if (apiKeys.length === 0) {
      throw new ConfigError('API_KEYS is missing: AUTH_MODE includes apiKey, so set API_KEYS or API_KEYS_FILE with at least one key');
    }
    if (new Set(apiKeys.map((k) => k.id)).size !== apiKeys.length) {
      throw new ConfigError('API_KEYS is invalid: two keys share a name (or the same key is listed twice)');
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
