/**
 * Rate limits on the minting routes: per caller (API key name / JWT subject),
 * per client IP when there is no caller. In memory by default; shared by every
 * replica through Redis when REDIS_URL is set.
 *
 * Redis never takes the service down with it: every Redis call is bounded
 * (connect 1 s, command 500 ms, no offline queue, so a dead Redis fails at once
 * instead of piling up requests), and while it is unreachable each instance
 * either keeps limiting in memory (fail-open, the default) or answers 503
 * (fail-closed). Reconnection is ioredis's own, with backoff capped at 2 s.
 * Only state changes are logged, and readiness reports the state.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import rateLimit, { type FastifyRateLimitStore, type FastifyRateLimitStoreCtor } from '@fastify/rate-limit';
import LocalStore from '@fastify/rate-limit/store/LocalStore.js';
import type { RateLimitConfig } from '../config.js';
import { requiresCredentials } from './auth.js';
import { HttpError } from './errors.js';
import type { ReadinessCheck } from './health.js';

export interface RateLimitPluginOptions extends RateLimitConfig {
  /** Test seam: shorter Redis timeouts. */
  redisTimeouts?: { connectMs: number; commandMs: number; retryMaxMs: number };
}

const KEY_PREFIX = 'agora-token-server:rate-limit:';
const LOCAL_CACHE_SIZE = 10_000;

type Incr = (key: string, cb: (err: Error | null, res?: { current: number; ttl: number }) => void, timeWindow: number, max: number) => void;

/** Where counts are kept, and how healthy that place is. */
interface SharedState {
  redisUp: boolean;
  downSince?: Date | undefined;
}

function keyFor(request: FastifyRequest): string {
  const caller = request.caller;
  return caller && caller.method !== 'none' ? `${caller.method}:${caller.id}` : `ip:${request.ip}`;
}

async function rateLimitPlugin(app: FastifyInstance, opts: RateLimitPluginOptions) {
  const local = new LocalStore(false, false, LOCAL_CACHE_SIZE);
  let store: FastifyRateLimitStoreCtor | undefined;

  if (opts.redisUrl) {
    // Loaded only when a shared store is configured: start-up without Redis does not pay for ioredis.
    const [{ Redis }, { default: RedisStore }] = await Promise.all([import('ioredis'), import('@fastify/rate-limit/store/RedisStore.js')]);
    const t = opts.redisTimeouts ?? { connectMs: 1000, commandMs: 500, retryMaxMs: 2000 };
    const redis = new Redis(opts.redisUrl.reveal(), {
      connectTimeout: t.connectMs,
      commandTimeout: t.commandMs,
      maxRetriesPerRequest: 0,
      enableOfflineQueue: false,
      // Keep trying forever, never more than retryMaxMs apart: recovery needs no restart.
      retryStrategy: (times) => Math.min(50 * 2 ** times, t.retryMaxMs),
    });
    const shared = new RedisStore(false, false, redis, KEY_PREFIX);
    const state: SharedState = { redisUp: false };
    const closed = opts.failMode === 'closed';

    // While Redis is marked down, a ping every retryMaxMs notices its return even
    // when no request comes in (a timed-out command leaves the connection "ready").
    let probe: NodeJS.Timeout | undefined;
    // token_server_redis_up{client="rate-limit"}: 0 until the first connection.
    const redisUp = app.metrics.redisUp.labels({ client: 'rate-limit' });
    redisUp.set(0);
    const markUp = () => {
      redisUp.set(1);
      clearInterval(probe);
      if (state.redisUp) return;
      if (state.downSince) app.log.info('rate-limit store: Redis is reachable again; limits are shared again');
      state.redisUp = true;
      state.downSince = undefined;
    };
    const markDown = (reason: string) => {
      redisUp.set(0);
      if (!state.redisUp && state.downSince) return;
      state.redisUp = false;
      state.downSince = new Date();
      probe = setInterval(() => {
        if (redis.status === 'ready') redis.ping().then(markUp, () => {});
      }, t.retryMaxMs).unref();
      app.log.error(
        { reason },
        closed
          ? 'rate-limit store: Redis is unreachable; minting answers 503 until it returns (RATE_LIMIT_FAIL_MODE=closed)'
          : 'rate-limit store: Redis is unreachable; limiting per instance in memory until it returns (RATE_LIMIT_FAIL_MODE=open)',
      );
    };
    redis.on('ready', markUp);
    // ioredis reports every failed reconnect; only the first one of an outage is logged.
    redis.on('error', (err: Error) => markDown(err.message));
    redis.on('end', () => markDown('connection closed'));

    const fallback: Incr = (key, cb, timeWindow, max) => {
      if (closed) {
        cb(new HttpError(503, 'RATE_LIMIT_UNAVAILABLE', 'the shared rate-limit store is unreachable; try again shortly', { headers: { 'retry-after': '5' } }));
      } else {
        local.incr(key, cb, timeWindow, max);
      }
    };

    store = class implements FastifyRateLimitStore {
      incr: Incr = (key, cb, timeWindow, max) => {
        if (redis.status !== 'ready') {
          markDown(`redis ${redis.status}`);
          return fallback(key, cb, timeWindow, max);
        }
        shared.incr(
          key,
          (err, res) => {
            if (err) {
              markDown(err.message);
              return fallback(key, cb, timeWindow, max);
            }
            markUp();
            cb(null, res);
          },
          timeWindow,
          max,
        );
      };
      // Required by the store interface, but only called for a route with its own
      // `config.rateLimit`, which no route has: every minting route shares one limit.
      /* c8 ignore next 3 */
      child(): FastifyRateLimitStore {
        return this;
      }
    };

    app.lifecycle.checks.set('rateLimitStore', (): ReadinessCheck => {
      if (state.redisUp) return { status: 'ok', detail: 'redis: connected, limits shared by every instance' };
      const since = state.downSince ? ` since ${state.downSince.toISOString()}` : '';
      return closed
        ? { status: 'failing', detail: `redis: unreachable${since}; minting refused (fail-closed)` }
        : { status: 'degraded', detail: `redis: unreachable${since}; limiting per instance in memory (fail-open)` };
    });
    app.addHook('onClose', async () => {
      clearInterval(probe);
      redis.disconnect();
    });
  } else {
    app.lifecycle.checks.set('rateLimitStore', () => ({ status: 'ok', detail: 'memory: limits are per instance' }));
  }

  await app.register(rateLimit, {
    global: true,
    // Only the minting routes (those that declare security) are limited; probes and docs are not.
    allowList: (request) => !requiresCredentials(request),
    keyGenerator: keyFor,
    max: (request) => request.caller?.grants.rateLimit ?? opts.max,
    timeWindow: opts.windowMs,
    enableDraftSpec: true,
    ...(store ? { store } : { cache: LOCAL_CACHE_SIZE }),
    errorResponseBuilder: (_request, ctx) =>
      new HttpError(429, 'RATE_LIMITED', `rate limit of ${ctx.max} requests per window exceeded; retry in ${ctx.after}`),
  });
}

export default fp(rateLimitPlugin, { name: 'rate-limit', fastify: '5.x', dependencies: ['errors', 'health', 'auth', 'metrics'] });
