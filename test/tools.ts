/**
 * Helpers for the tests that need more than `inject`: a server on a loopback port
 * (for a browser or a generated client) and the project's own CLI tools.
 */
import { spawn } from 'node:child_process';
import type { AddressInfo } from 'node:net';
import type { Test } from 'tap';
import { build } from './helper.js';

import { ROOT } from './support/processes.js';

export { ROOT };

/** Builds the app and listens on 127.0.0.1 with a free port; returns the base URL. */
export async function listen(t: Test, env: Record<string, string> = {}) {
  const app = await build(t, env);
  await app.listen({ host: '127.0.0.1', port: 0 });
  return `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
}

/**
 * Runs a CLI from node_modules/.bin on this Node, offline and without the test
 * runner's instrumentation (which would only slow it down).
 */
export function runTool(bin: string, args: string[], env: Record<string, string> = {}) {
  return new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve, reject) => {
    const child = spawn(process.execPath, [`${ROOT}node_modules/.bin/${bin}`, ...args], {
      cwd: ROOT,
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? ROOT, NO_COLOR: '1', ...env },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}
