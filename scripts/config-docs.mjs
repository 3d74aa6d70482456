#!/usr/bin/env node
// Rewrites the configuration tables (docs/configuration.md; README.md and every docs/**/*.md are searched for
// their markers) from the variable declarations (src/config/env.ts) (`npm run docs:config`), or with --check
// fails when one is stale.
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { renderConfigTables } from '../dist/config/docs.js';

const check = process.argv.includes('--check');
const files = ['README.md'];
if (existsSync('docs')) {
  files.push(...readdirSync('docs', { recursive: true }).filter((f) => f.endsWith('.md')).map((f) => `docs/${f}`));
}
let stale = 0;
for (const file of files) {
  const text = readFileSync(file, 'utf8');
  const rendered = renderConfigTables(text);
  if (rendered === text) continue;
  if (check) {
    console.error(`${file}: a configuration table is stale: run \`npm run docs:config\` and commit the result`);
    stale++;
  } else {
    writeFileSync(file, rendered);
    console.log(`wrote ${file}`);
  }
}
process.exitCode = stale ? 1 : 0;
