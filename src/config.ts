/**
 * The one place configuration is defined and validated. `src/server.ts` hands
 * this module the environment once; everything else receives a typed Config.
 */
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
  for (const name of names) {
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
