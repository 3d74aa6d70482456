/**
 * Leak scan, part 2 of 2 (run by tap after every test file, see `tap.after` in
 * package.json). Reads the log lines every test process captured at trace level
 * and fails the run if any holds the certificate, an API key or another secret
 * a test registered. Exit code 1 fails `npm test`.
 *
 * On a full run (`npm test` sets LOG_SCAN_FULL=1) every test file that imports
 * the helper must have left its dump, so a broken capture cannot pass as clean.
 */
import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { findLeaks, type LogDump } from './support/leaks.js';

const dir = new URL('./.generated/logs/', import.meta.url);
const dumps: LogDump[] = existsSync(dir)
  ? readdirSync(dir)
      .filter((f) => f.endsWith('.json'))
      .map((f) => JSON.parse(readFileSync(new URL(f, dir), 'utf8')) as LogDump)
  : [];
// Consumed: the next run starts from nothing, so stale dumps never count.
rmSync(dir, { recursive: true, force: true });

const { lines, hits } = findLeaks(dumps);
const scanned = new Set(dumps.map((d) => d.file));
console.log(`# log scan: ${lines} log lines from ${scanned.size} test files, ${hits.length} secret leaks`);
for (const hit of hits) console.log(`# LEAK in ${hit.file}: ${hit.line.slice(0, 200)}`);

let missing: string[] = [];
if (process.env.LOG_SCAN_FULL === '1') {
  const testDir = new URL('./', import.meta.url);
  const users = (readdirSync(testDir, { recursive: true }) as string[])
    .filter((f) => f.endsWith('.test.ts') && readFileSync(new URL(f, testDir), 'utf8').includes("helper.js'"))
    .map((f) => f.split('/').at(-1) as string);
  missing = users.filter((f) => !scanned.has(f));
  for (const f of missing) console.log(`# log scan: no capture from ${f}`);
  if (lines === 0) console.log('# log scan: nothing was captured');
}
if (hits.length > 0 || missing.length > 0 || (process.env.LOG_SCAN_FULL === '1' && lines === 0)) process.exitCode = 1;
