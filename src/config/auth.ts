/**
 * Authentication settings: which methods are on, the API keys, and how JWTs are verified.
 * The cross-variable rules live here; each variable's own rules are its declaration in env.ts.
 */
import { createPublicKey, type KeyObject } from 'node:crypto';
import { parseApiKeys, type ApiKeyEntry, type KeySource } from '../auth/api-keys.js';
import type { AuthMethod } from '../auth/policy.js';
import { ConfigError, type EnvText } from './declare.js';
import { DEFAULT_JWT_ALGORITHMS, fail, type Env, type EnvName, type JwtAlgorithm } from './env.js';
import { Secret } from './secrets.js';

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

function isLoopbackHost(hostname: string): boolean {
  return hostname === 'localhost' || hostname === '[::1]' || /^127\.[0-9.]+$/.test(hostname);
}

/** The variables that configure each method: set without that method, they would be silently ignored. */
const METHOD_VARIABLES: Record<AuthMethod, EnvName[]> = {
  apiKey: ['API_KEYS', 'API_KEYS_FILE'],
  jwt: ['JWT_JWKS_URL', 'JWT_PUBLIC_KEY', 'JWT_SECRET', 'JWT_ALGORITHMS', 'JWT_ISSUER', 'JWT_AUDIENCE'],
};

export function authConfig(e: Env, env: EnvText, readFile: (path: string) => string): AuthConfig {
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
  const apiKeys = methods.includes('apiKey') ? apiKeyEntries(e, env, readFile) : [];
  if (!methods.includes('jwt')) return { methods, apiKeys };
  return { methods, apiKeys, jwt: jwtConfig(e, env) };
}

function apiKeyEntries(e: Env, env: EnvText, readFile: (path: string) => string): ApiKeyEntry[] {
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
  if (keys.entries.length === 0) {
    throw new ConfigError('API_KEYS is missing: AUTH_MODE includes apiKey, so set API_KEYS or API_KEYS_FILE with at least one key');
  }
  return keys.entries;
}

function jwtConfig(e: Env, env: EnvText): JwtConfig {
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
  const defaults = [...DEFAULT_JWT_ALGORITHMS[symmetric ? 'secret' : 'key']];
  const algorithms = e.JWT_ALGORITHMS === undefined ? defaults : (e.JWT_ALGORITHMS.split(',') as JwtAlgorithm[]);
  if (!algorithms.every((a) => a.startsWith('HS') === symmetric)) fail('JWT_ALGORITHMS', env);
  return {
    ...key,
    algorithms,
    issuer: e.JWT_ISSUER,
    audience: e.JWT_AUDIENCE,
    clockSkewSeconds: e.JWT_CLOCK_SKEW,
    jwksCooldownSeconds: e.JWT_JWKS_COOLDOWN,
    identityClaim: e.JWT_IDENTITY_CLAIM,
    uidClaim: e.JWT_UID_CLAIM,
    policyClaim: e.JWT_POLICY_CLAIM,
  };
}
