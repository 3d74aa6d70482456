import { Writable } from 'node:stream';
import type { Test } from 'tap';
import { buildApp, type AppOverrides } from '../src/app.js';
import { loadConfig } from '../src/config.js';

/** Test credentials: well-formed, but not a real Agora project. */
export const APP_ID = '0123456789abcdef0123456789abcdef';
export const APP_CERTIFICATE = 'fedcba9876543210fedcba9876543210';

export const baseEnv = { APP_ID, APP_CERTIFICATE, LOG_LEVEL: 'debug' };

/** Every log line written by any app built in this process, for the leak scan. */
export const logLines: string[] = [];

export function logSink(): Writable {
  return new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const line of chunk.toString('utf8').split('\n')) if (line) logLines.push(line);
      done();
    },
  });
}

export async function build(t: Test, env: Record<string, string> = {}, overrides: AppOverrides = {}) {
  const config = loadConfig({ ...baseEnv, ...env });
  const app = await buildApp(config, { logStream: logSink(), ...overrides });
  t.teardown(() => app.close());
  await app.ready();
  return app;
}

export const nowUnix = () => Math.floor(Date.now() / 1000);
