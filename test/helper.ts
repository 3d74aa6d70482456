import { mkdirSync, writeFileSync } from 'node:fs';
import { basename } from 'node:path';
import { Writable } from 'node:stream';
import type { Test } from 'tap';
import { buildApp, type AppOverrides } from '../src/app.js';
import { loadConfig } from '../src/config.js';
import { until } from './support/wait.js';

/** Test credentials: well-formed, but not a real Agora project. */
export const APP_ID = '0123456789abcdef0123456789abcdef';
export const APP_CERTIFICATE = 'fedcba9876543210fedcba9876543210';

/** Trace: the leak scan must see every line any level can write. */
export const baseEnv = { APP_ID, APP_CERTIFICATE, LOG_LEVEL: 'trace' };

/** Every log line written by any app built in this process, for the leak scan. */
export const logLines: string[] = [];

/** API keys the tests use; like the certificate, they must never reach a log line. */
export const API_KEY = 'test-key-0123456789abcdefABCDEF';
export const OTHER_API_KEY = 'other-key-0123456789abcdefABCDEF';
export const JWT_SECRET = 'test-jwt-secret-0123456789abcdef0123456789';

/** Values no log line may contain. Tests add the secrets they generate. */
export const secrets = new Set<string>([APP_CERTIFICATE, API_KEY, OTHER_API_KEY, JWT_SECRET]);

/**
 * Leak scan, part 1 of 2. tap runs every test file in its own process, so each
 * process writes what it logged (and the secrets it used) to test/.generated/logs/
 * when it exits; test/log-scan.ts, run by tap after the whole suite (`tap.after`
 * in package.json), reads them all and fails the run on any hit.
 */
export const LOG_DUMP_DIR = new URL('./.generated/logs/', import.meta.url);
process.on('exit', () => {
  mkdirSync(LOG_DUMP_DIR, { recursive: true });
  const file = basename(process.argv[1] ?? 'unknown');
  const dump = { file, secrets: [...secrets], lines: logLines };
  writeFileSync(new URL(`${file}.${process.pid}.json`, LOG_DUMP_DIR), JSON.stringify(dump));
});

export function logSink(): Writable {
  return new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const line of chunk.toString('utf8').split('\n')) if (line) logLines.push(line);
      done();
    },
  });
}

/**
 * In-process apps share the test's one event loop: building a second app (or a busy
 * CI machine) blocks it, and the first app's event-loop-delay shedding would answer
 * 503 OVERLOADED to requests that have nothing to do with load. Tests of shedding
 * set SHED_MAX_EVENT_LOOP_DELAY_MS themselves; process tests run the real default.
 */
const calmLoop = { SHED_MAX_EVENT_LOOP_DELAY_MS: '0' };

export async function build(t: Test, env: Record<string, string> = {}, overrides: AppOverrides = {}) {
  const config = loadConfig({ ...baseEnv, ...calmLoop, ...env });
  const app = await buildApp(config, { logStream: logSink(), ...overrides });
  t.teardown(() => app.close());
  await app.ready();
  return app;
}

export const nowUnix = () => Math.floor(Date.now() / 1000);

/**
 * Load shedding's warm-up is judged on a clock: tests pass `now` as the `pressureNow`
 * override and move it by hand (`advance`, or `skipWarmUp` to be past it) instead of sleeping.
 */
export function manualClock() {
  let now = 0;
  return {
    now: () => now,
    advance: (ms: number) => {
      now += ms;
    },
    skipWarmUp: () => {
      now += 3_600_000;
    },
  };
}

/** Resolves once load shedding has sampled the process (under-pressure reads 0 until its first sample). */
export async function sampled(app: { memoryUsage(): { heapUsed: number } }): Promise<void> {
  await until('the first load-shedding sample', () => app.memoryUsage().heapUsed > 0, 30_000, 5);
}
