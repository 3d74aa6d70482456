#!/usr/bin/env node
// Writes openapi/openapi.json and openapi/openapi.yaml from the built app (`npm run openapi`),
// or with --check fails when the committed files differ from what the app generates.
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { renderOpenApi, SPEC_FILES } from '../dist/openapi.js';

const check = process.argv.includes('--check');
const rendered = await renderOpenApi();
let stale = 0;
for (const [kind, path] of Object.entries(SPEC_FILES)) {
  if (check) {
    const committed = await readFile(path, 'utf8').catch(() => '');
    if (committed !== rendered[kind]) {
      console.error(`${path} is stale: run \`npm run openapi\` and commit the result`);
      stale++;
    }
  } else {
    await mkdir(dirname(path), { recursive: true });
    await writeFile(path, rendered[kind]);
    console.log(`wrote ${path}`);
  }
}
if (check && stale === 0) console.log(`${Object.values(SPEC_FILES).join(' and ')} are current`);
process.exitCode = stale ? 1 : 0;
