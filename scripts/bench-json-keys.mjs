#!/usr/bin/env node
// Cost of the JSON body key scan (src/plugins/json-body.ts findKeyProblem) next to
// JSON.parse itself, on a typical token request body and on a ~4 KiB one.
// Usage: npm run -s build && node scripts/bench-json-keys.mjs
// Prints figures; it asserts nothing.
import { findKeyProblem } from '../dist/plugins/json-body.js';

const small = JSON.stringify({ channelName: 'demo-room', uid: 1234, role: 'publisher', expireSeconds: 3600 });
const big = JSON.stringify(Object.fromEntries(Array.from({ length: 100 }, (_, i) => [`key${i}`, { a: `value-${i}`, b: [1, 2, 'x'] }])));

function nsPerOp(fn, n) {
  for (let i = 0; i < n / 10; i++) fn();
  const start = process.hrtime.bigint();
  for (let i = 0; i < n; i++) fn();
  return Number(process.hrtime.bigint() - start) / n;
}

for (const [name, text, n] of [['typical', small, 1e6], ['large', big, 2e4]]) {
  const parse = nsPerOp(() => JSON.parse(text), n);
  const scan = nsPerOp(() => findKeyProblem(text), n);
  console.log(`${name} body (${text.length} B): JSON.parse ${parse.toFixed(0)} ns, key scan ${scan.toFixed(0)} ns (${((100 * scan) / parse).toFixed(0)} % of JSON.parse)`);
}
