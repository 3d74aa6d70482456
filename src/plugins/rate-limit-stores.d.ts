// Types for the two stores @fastify/rate-limit ships as CommonJS files without
// declarations. The shared store (rate-limit.ts) wraps them: Redis first, and the
// in-memory one while Redis is unreachable.
declare module '@fastify/rate-limit/store/*.js' {
  type Callback = (err: Error | null, result?: { current: number; ttl: number }) => void;
  class Store {
    constructor(continueExceeding: boolean, exponentialBackoff: boolean, ...rest: unknown[]);
    incr(key: string, cb: Callback, timeWindow: number, max: number): void;
  }
  export = Store;
}
