/**
 * The HTTP edge's settings whose text a schema cannot fully check: CORS origins,
 * trusted proxies and the rate limit (window units, the Redis URL as a secret).
 */
import { isIP } from 'node:net';
import type { EnvText } from './declare.js';
import { fail, type Env } from './env.js';
import { Secret } from './secrets.js';

export interface RateLimitConfig {
  max: number;
  windowMs: number;
  /** Shared store; absent: in memory, per instance. May hold a password. */
  redisUrl?: Secret;
  failMode: 'open' | 'closed';
}

/** `true` allows any origin. */
export function corsOrigins(e: Env, env: EnvText): true | string[] {
  if (e.CORS_ORIGINS === '*') return true;
  const origins = e.CORS_ORIGINS.split(',').map((o) => o.trim()).filter(Boolean);
  if (origins.length === 0 || !origins.every((o) => /^https?:\/\/[^\s/]+$/.test(o))) fail('CORS_ORIGINS', env);
  return origins;
}

const WINDOW_UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

export function rateLimitConfig(e: Env, env: EnvText): RateLimitConfig {
  const [, amount, unit] = /^([0-9]+)([a-z]*)$/.exec(e.RATE_LIMIT_WINDOW) as RegExpExecArray;
  const windowMs = Number(amount) * (WINDOW_UNITS[unit || 's'] as number);
  if (windowMs < 1000) fail('RATE_LIMIT_WINDOW', env);
  let redisUrl: Secret | undefined;
  if (e.REDIS_URL !== undefined) {
    if (!URL.canParse(e.REDIS_URL)) fail('REDIS_URL', env);
    redisUrl = new Secret(e.REDIS_URL);
  }
  return { max: e.RATE_LIMIT_MAX, windowMs, failMode: e.RATE_LIMIT_FAIL_MODE, ...(redisUrl && { redisUrl }) };
}

const NAMED_PROXY_RANGES = new Set(['loopback', 'linklocal', 'uniquelocal']);

/** Fastify's trustProxy: false, true, a hop count, or addresses/CIDRs of trusted proxies. */
export function trustProxy(e: Env, env: EnvText): boolean | number | string[] {
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
