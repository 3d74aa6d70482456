/**
 * Load shedding: when the event loop lags or memory runs high, answer 503 with
 * Retry-After at once (in the one error shape) so that the load balancer tries
 * another replica, instead of queueing requests until they time out.
 * Probes and /metrics are never shed: an overloaded replica must not look dead.
 */
import { getHeapStatistics } from 'node:v8';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import underPressure from '@fastify/under-pressure';
import type { Config } from '../config.js';
import { HttpError } from './errors.js';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** `false` exempts a route from load shedding (probes, metrics). */
    shed?: boolean;
  }
}

export interface LoadSheddingOptions {
  limits: Config['shed'];
  /** How often the process is sampled, in ms (tests shorten it). */
  sampleIntervalMs?: number;
  /** The clock the warm-up is judged by, in ms (tests move it by hand instead of waiting). */
  now?: () => number;
}

const MB = 1024 * 1024;
/** Default heap limit: shed before V8 starts its last-ditch collections. */
const DEFAULT_HEAP_FRACTION = 0.9;

/** under-pressure's name of a limit as a metric label: eventLoopDelay → event_loop_delay, heapUsedBytes → heap_used. */
const reasonLabel = (type: string) => type.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`).replace(/_bytes$/, '');

export function heapLimitBytes(maxHeapUsedMb: number | undefined): number {
  if (maxHeapUsedMb === undefined) return Math.floor(getHeapStatistics().heap_size_limit * DEFAULT_HEAP_FRACTION);
  return maxHeapUsedMb * MB;
}

async function loadSheddingPlugin(app: FastifyInstance, opts: LoadSheddingOptions) {
  const { limits } = opts;
  const sampleIntervalMs = opts.sampleIntervalMs ?? 1000;
  const now = opts.now ?? Date.now;
  // Start-up (loading modules, compiling schemas) blocks the loop for a while; the
  // first samples would shed a fresh replica's first requests. Judge only what
  // comes after two samples of the running server.
  let judgeFrom = Number.POSITIVE_INFINITY;
  app.addHook('onReady', async () => {
    judgeFrom = now() + 2 * sampleIntervalMs;
  });
  await app.register(underPressure, {
    maxEventLoopDelay: limits.maxEventLoopDelayMs,
    maxHeapUsedBytes: heapLimitBytes(limits.maxHeapUsedMb),
    maxRssBytes: limits.maxRssMb * MB,
    maxEventLoopUtilization: limits.maxEventLoopUtilization,
    // Utilization of the last interval, not the average since start-up.
    eventLoopUtilizationMode: 'interval',
    sampleInterval: sampleIntervalMs,
    pressureHandler: (request, _reply, type) => {
      if (request.routeOptions.config?.shed === false || now() < judgeFrom) return undefined;
      const reason = reasonLabel(type);
      app.metrics.shed.inc({ reason });
      // A rejected promise reaches the error handler, which writes the one error shape.
      return Promise.reject(
        new HttpError(503, 'OVERLOADED', `server overloaded (${reason}); retry later or elsewhere`, {
          headers: { 'retry-after': String(limits.retryAfterSeconds) },
        }),
      );
    },
  });
}

export default fp(loadSheddingPlugin, { name: 'load-shedding', fastify: '5.x', dependencies: ['errors', 'metrics'] });
