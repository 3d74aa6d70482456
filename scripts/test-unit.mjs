#!/usr/bin/env node
// The fast tier: every test file outside test/system/, run directly on Node (tap test files are plain programs
// that print TAP), four at a time, then the log-leak scan; ends with "N passed, N failed" like `npm test`.
// Node strips the types itself, so the sources are not compiled again by tap's loader in each test process
// (about half of the tier's CPU time on 2 cores). Coverage is the full run's job (`npm test`).
import { spawn } from 'node:child_process';
import { globSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const JOBS = 4;
const TIMEOUT_MS = 120_000; // tap's per-file timeout in package.json
// Absolute: test files that start child processes pass their execArgv on, from another working directory.
const HOOK = fileURLToPath(new URL('../test/support/strip-types.mjs', import.meta.url));
const files = globSync('test/**/*.test.ts', { exclude: (f) => f.startsWith('test/system') || f.includes('.generated') }).sort();

function run(file) {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', HOOK, file], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), TIMEOUT_MS);
    const started = Date.now();
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      // Top-level test points: "ok N - name" / "not ok N - name" at the start of a line.
      const pass = out.match(/^ok \d+/gm)?.length ?? 0;
      const fail = out.match(/^not ok \d+/gm)?.length ?? 0;
      resolve({ file, code, signal, out, pass, fail, ms: Date.now() - started });
    });
  });
}

const queue = [...files];
const results = [];
await Promise.all(Array.from({ length: JOBS }, async () => {
  for (let file = queue.shift(); file; file = queue.shift()) {
    const r = await run(file);
    results.push(r);
    const ok = r.code === 0 && r.fail === 0;
    console.log(`${ok ? 'ok' : 'not ok'} ${r.file} (${r.pass} passed, ${r.fail} failed, ${(r.ms / 1000).toFixed(1)} s)`);
    if (!ok) console.log(r.out.replace(/^/gm, '    '));
  }
}));

const scan = await run('test/log-scan.ts');
process.stdout.write(scan.out);
const passed = results.reduce((n, r) => n + r.pass, 0);
// A file that crashed or timed out counts as one failure even when it printed no "not ok".
const failed = results.reduce((n, r) => n + (r.fail || (r.code === 0 ? 0 : 1)), 0) + (scan.code === 0 ? 0 : 1);
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed === 0 ? 0 : 1);
