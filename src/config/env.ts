/**
 * Every environment variable, declared once: type and bounds, default, what it
 * accepts and what it does. Parsing, error lines and the docs tables derive from
 * these declarations (src/config/declare.ts); the names are public contract.
 * Each group is one table of docs/configuration.md (`npm run docs:config` writes them).
 */
import { Type, type Static, type TLiteral } from '@sinclair/typebox';
import { AGORA_TTL_CAP, HEX32_PATTERN } from '../tokens/rules.js';
import { fail as failIn, type EnvText } from './declare.js';

/** Only signature algorithms; `none` can never be configured. */
export const JWT_ALGORITHMS = [
  'RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA', 'Ed25519', 'HS256', 'HS384', 'HS512',
] as const;
export type JwtAlgorithm = (typeof JWT_ALGORITHMS)[number];
/** JWT_ALGORITHMS when unset, by key source: HMAC only with a shared secret. */
export const DEFAULT_JWT_ALGORITHMS: Record<'key' | 'secret', JwtAlgorithm[]> = {
  key: ['RS256', 'PS256', 'ES256', 'EdDSA', 'Ed25519'],
  secret: ['HS256'],
};

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
const LOG_FORMATS = ['auto', 'json', 'pretty'] as const;
const RATE_LIMIT_FAIL_MODES = ['open', 'closed'] as const;
const oneOf = <const T extends string>(values: readonly T[], options: { default: T; description: string }) =>
  Type.Union<TLiteral<T>[]>(values.map((v) => Type.Literal(v)), options);
const CLAIM_NAME = '^[A-Za-z0-9_:/.-]{1,200}$';
const HOUR = 3600;
/** 1 TiB: far above any heap or RSS limit, so only typos are refused. */
const MEGABYTES_MAX = 1_048_576;
const KEY_SOURCES = 'set exactly one of JWT_JWKS_URL, JWT_PUBLIC_KEY, JWT_SECRET';

/** The "Configuration" table of docs/configuration.md. */
export const CoreEnv = Type.Object({
  APP_ID: Type.String({
    pattern: HEX32_PATTERN,
    expected: 'your Agora App ID: 32 hexadecimal characters',
    description: "Your Agora project's App ID (Agora Console)",
  }),
  APP_CERTIFICATE: Type.Optional(
    Type.String({
      pattern: HEX32_PATTERN,
      expected: 'your Agora App Certificate: 32 hexadecimal characters (or APP_CERTIFICATE_FILE: a file holding it)',
      unset: 'read from `APP_CERTIFICATE_FILE`; one of the two is required',
      description: 'The App Certificate tokens are signed with. Never logged, never returned',
    }),
  ),
  PORT: Type.Integer({ minimum: 0, maximum: 65_535, noun: 'a TCP port', default: 8080, description: 'TCP port to listen on' }),
  HOST: Type.String({
    minLength: 1,
    default: '0.0.0.0',
    expected: 'an address to listen on, e.g. 0.0.0.0',
    description: 'Address to listen on',
  }),
  LOG_LEVEL: oneOf(LOG_LEVELS, { default: 'info', description: 'Least severe level logged' }),
  TOKEN_TTL_DEFAULT: Type.Integer({
    minimum: 1,
    maximum: AGORA_TTL_CAP,
    unit: 'seconds',
    also: 'at most TOKEN_TTL_MAX',
    default: 3600,
    description: 'Token lifetime when a request names none',
  }),
  TOKEN_TTL_MAX: Type.Integer({
    minimum: 1,
    maximum: AGORA_TTL_CAP,
    unit: 'seconds',
    default: AGORA_TTL_CAP,
    description: "Longest lifetime a request may ask for; never above Agora's 24 h",
  }),
  CORS_ORIGINS: Type.String({
    default: '*',
    expected: "'*' or a comma-separated list of origins, https://host[:port] or http://host[:port] (no path)",
    description: 'Browser origins allowed by CORS; `http://` is meant for local development',
  }),
  PUBLIC_URL: Type.Optional(
    Type.String({
      pattern: '^https?://[^\\s/?#]+(/[^\\s?#]*[^\\s/?#])?$',
      expected: 'an absolute http(s) URL without a trailing slash, such as https://tokens.example.com',
      unset: 'the host that serves the document',
      description: 'Base URL clients call, published as the OpenAPI `servers` entry',
    }),
  ),
});

/** The "Deploy" table of docs/configuration.md. */
export const DeployEnv = Type.Object({
  APP_CERTIFICATE_FILE: Type.Optional(
    Type.String({
      minLength: 1,
      expected: 'the path of a readable file holding your Agora App Certificate (32 hexadecimal characters), and no APP_CERTIFICATE',
      description: 'Path of a file holding the App Certificate (Docker/Kubernetes secrets), instead of `APP_CERTIFICATE`',
    }),
  ),
  SHUTDOWN_DRAIN_SECONDS: Type.Integer({
    minimum: 0,
    maximum: HOUR,
    unit: 'seconds',
    default: 10,
    description: 'After SIGTERM: time of serving with `/readyz` at 503 before closing',
  }),
  SHUTDOWN_TIMEOUT_SECONDS: Type.Integer({
    minimum: 1,
    maximum: HOUR,
    unit: 'seconds',
    default: 10,
    description: 'After the drain: time in-flight requests get before a forced exit 1',
  }),
  KEEP_ALIVE_TIMEOUT_SECONDS: Type.Integer({
    minimum: 1,
    maximum: HOUR,
    unit: 'seconds',
    default: 75,
    description:
      "Idle keep-alive timeout; keep it above the balancer's idle timeout (the 10 s request deadline does not apply to idle connections)",
  }),
  METRICS_PORT: Type.Optional(
    Type.Integer({
      minimum: 1,
      maximum: 65_535,
      noun: 'a TCP port',
      also: 'different from PORT',
      unset: '`/metrics` is served on `PORT`',
      description: 'Serve `/metrics` on this port only',
    }),
  ),
  SHED_MAX_EVENT_LOOP_DELAY_MS: Type.Integer({
    minimum: 0,
    maximum: 60_000,
    unit: 'milliseconds',
    off: true,
    default: 1000,
    description: 'Shed load (503) above this mean event-loop delay',
  }),
  SHED_MAX_HEAP_USED_MB: Type.Optional(
    Type.Integer({
      minimum: 0,
      maximum: MEGABYTES_MAX,
      unit: 'megabytes',
      off: true,
      unset: "90 % of V8's heap limit",
      description: 'Shed load above this heap use',
    }),
  ),
  SHED_MAX_RSS_MB: Type.Integer({
    minimum: 0,
    maximum: MEGABYTES_MAX,
    unit: 'megabytes',
    off: true,
    default: 0,
    description: 'Shed load above this resident memory',
  }),
  SHED_MAX_EVENT_LOOP_UTILIZATION: Type.Number({
    minimum: 0,
    maximum: 1,
    noun: 'a fraction',
    off: true,
    default: 0,
    description: 'Shed load above this event-loop utilization, e.g. 0.98',
  }),
  SHED_RETRY_AFTER_SECONDS: Type.Integer({
    minimum: 1,
    maximum: HOUR,
    unit: 'seconds',
    default: 5,
    description: '`Retry-After` of a shed 503',
  }),
  LOG_FORMAT: oneOf(LOG_FORMATS, { default: 'auto', description: '`auto`: pretty on a TTY, JSON otherwise' }),
});

/** The "Authentication and limits" table of docs/configuration.md. */
export const AuthEnv = Type.Object({
  AUTH_MODE: Type.String({
    pattern: '^(none|apiKey|jwt|apiKey,jwt|jwt,apiKey)$',
    default: 'none',
    expected: 'none, apiKey, jwt or apiKey,jwt',
    description: 'How callers authenticate; must be set (to `none` to run open) when any `API_KEYS*` or key/issuer `JWT_*` variable is',
  }),
  API_KEYS: Type.Optional(
    Type.String({
      expected: 'a comma-separated list of [name:]key (key at least 16 characters) or [name:]sha256:<64 hex>',
      description: 'API keys (or their SHA-256 digests), without per-key limits',
    }),
  ),
  API_KEYS_FILE: Type.Optional(
    Type.String({
      expected:
        'a readable file with one [name:]key or [name:]sha256:<hex> per line, then optional channels= services= roles= wildcardUid= maxTtl= rateLimit= (each at most once)',
      description: 'Path of a file of API keys with per-key limits; `#` comments',
    }),
  ),
  JWT_JWKS_URL: Type.Optional(
    Type.String({
      pattern: '^https?://',
      expected: `an https:// URL of a JWKS (http:// only for localhost); ${KEY_SOURCES}`,
      description: "JWKS URL of the tokens' issuer",
    }),
  ),
  JWT_PUBLIC_KEY: Type.Optional(
    Type.String({
      pattern: '-----BEGIN PUBLIC KEY-----',
      expected: `a PEM public key (-----BEGIN PUBLIC KEY-----, \\n escapes allowed); ${KEY_SOURCES}`,
      description: 'PEM public key verifying JWTs (`\\n` escapes allowed, for one-line env files)',
    }),
  ),
  JWT_SECRET: Type.Optional(
    Type.String({
      minLength: 32,
      expected: `a shared secret of at least 32 characters; ${KEY_SOURCES}`,
      description: 'HMAC shared secret verifying JWTs',
    }),
  ),
  JWT_ALGORITHMS: Type.Optional(
    Type.String({
      pattern: `^(${JWT_ALGORITHMS.join('|')})(,(${JWT_ALGORITHMS.join('|')}))*$`,
      expected: `a comma-separated list from ${JWT_ALGORITHMS.join(', ')}; HS* only with JWT_SECRET, the others only with a key or JWKS`,
      unset: `\`${DEFAULT_JWT_ALGORITHMS.key.join(',')}\` with a key or JWKS, \`${DEFAULT_JWT_ALGORITHMS.secret.join(',')}\` with a secret`,
      description: 'Accepted JWT signature algorithms',
    }),
  ),
  JWT_ISSUER: Type.Optional(
    Type.String({
      minLength: 1,
      expected: 'the expected iss claim (required when AUTH_MODE includes jwt)',
      unset: 'required when `AUTH_MODE` includes `jwt`',
      description: 'Expected `iss` claim',
    }),
  ),
  JWT_AUDIENCE: Type.Optional(
    Type.String({
      minLength: 1,
      expected: 'the expected aud claim (required when AUTH_MODE includes jwt)',
      unset: 'required when `AUTH_MODE` includes `jwt`',
      description: 'Expected `aud` claim',
    }),
  ),
  JWT_CLOCK_SKEW: Type.Integer({ minimum: 0, maximum: 300, unit: 'seconds', default: 30, description: 'Slack on `exp` / `nbf`' }),
  JWT_JWKS_COOLDOWN: Type.Integer({
    minimum: 0,
    maximum: HOUR,
    unit: 'seconds',
    default: 30,
    description: 'Minimum time between JWKS refetches for unknown `kid`s',
  }),
  JWT_IDENTITY_CLAIM: Type.String({
    pattern: CLAIM_NAME,
    default: 'sub',
    expected: 'a claim name such as sub',
    description: 'Claim that accounts / RTM / Chat user ids must equal (digit-only ids must equal the uid claim instead)',
  }),
  JWT_UID_CLAIM: Type.String({
    pattern: CLAIM_NAME,
    default: 'uid',
    expected: 'a claim name such as uid',
    description: 'Claim that integer RTC uids, and digit-only accounts / user ids, must equal',
  }),
  JWT_POLICY_CLAIM: Type.String({
    pattern: CLAIM_NAME,
    default: 'agora',
    expected: 'a claim name such as agora or https://example.com/agora',
    description: "Claim holding the caller's permissions (see Policy)",
  }),
  RATE_LIMIT_MAX: Type.Integer({
    minimum: 1,
    maximum: 999_999_999,
    unit: 'requests per window',
    default: 600,
    description: 'Requests per window per caller (or per client IP without one)',
  }),
  RATE_LIMIT_WINDOW: Type.String({
    pattern: '^[0-9]{1,9}(ms|s|m|h)?$',
    default: '1m',
    expected: 'a duration such as 60s, 1m or 500ms (bare number: seconds), at least 1 second',
    description: 'Rate-limit window',
  }),
  REDIS_URL: Type.Optional(
    Type.String({
      pattern: '^rediss?://',
      expected: 'a redis:// or rediss:// URL',
      unset: 'limits are kept in memory, per instance',
      description: 'Redis sharing rate limits across replicas (may hold a password: never logged)',
    }),
  ),
  RATE_LIMIT_FAIL_MODE: oneOf(RATE_LIMIT_FAIL_MODES, {
    default: 'open',
    description: 'While Redis is unreachable: `open` (limit per instance, in memory) or `closed` (503)',
  }),
  TRUST_PROXY: Type.String({
    default: 'false',
    expected: 'false, true, a number of proxy hops, or a comma-separated list of proxy addresses/CIDRs',
    description:
      'Proxies whose `X-Forwarded-For` is believed: `true` trusts everything (only behind a proxy that overwrites the header); e.g. `10.0.0.0/8,loopback`',
  }),
});

/** The docs tables, by the name their markers carry (`<!-- config-table:core -->`). */
export const ENV_TABLES = { core: CoreEnv, deploy: DeployEnv, auth: AuthEnv };

/** Every variable. */
export const EnvSchema = Type.Object({ ...CoreEnv.properties, ...DeployEnv.properties, ...AuthEnv.properties });
export type Env = Static<typeof EnvSchema>;
export type EnvName = keyof Env;

/** Throws the one-line ConfigError for `name`: named, with what is expected, never its value. */
export function fail(name: EnvName, env: EnvText): never {
  failIn(EnvSchema, name, env);
}
