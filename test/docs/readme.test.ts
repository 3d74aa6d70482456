/**
 * README facts that drift when the code moves: derived here from the code itself.
 */
import { existsSync, readFileSync } from 'node:fs';
import t from 'tap';
import { loadConfig } from '../../src/config.js';
import { MINTED_TYPES } from '../../src/plugins/metrics.js';
import { APP_CERTIFICATE, APP_ID, baseEnv } from '../helper.js';

const ROOT = new URL('../../', import.meta.url);
const README = readFileSync(new URL('README.md', ROOT), 'utf8');
/** The text of one `## `/`### ` section, up to the next heading of any level. */
const section = (title: string) => {
  const start = README.indexOf(`${title}\n`);
  return README.slice(start, README.indexOf('\n#', start + title.length));
};

t.test('the metrics table lists exactly the type labels the server emits', async (t) => {
  const row = section('### Metrics').split('\n').find((l) => l.startsWith('| `token_server_tokens_minted_total`'));
  const listed = /`type` \(([^)]*)\)/.exec(row ?? '')?.[1]?.split(', ').map((entry) => entry.split(' ')[0]);
  t.same(listed, [...MINTED_TYPES]);
});

t.test('the audit log section names the level the leak scan runs at', async (t) => {
  t.equal(baseEnv.LOG_LEVEL, 'trace');
  t.match(section('### Audit log'), `scans every log line it produces, at ${baseEnv.LOG_LEVEL}\nlevel`);
});

t.test('every src/ path in Project layout exists', async (t) => {
  const paths = [...section('## Project layout').matchAll(/\bsrc\/[\w./-]*[\w/]/g)].map((m) => m[0]);
  t.ok(paths.length >= 8);
  for (const path of paths) t.ok(existsSync(new URL(path, ROOT)), path);
});

t.test('CORS_ORIGINS: the table says what loadConfig accepts', async (t) => {
  const row = section('## Configuration').split('\n').find((l) => l.startsWith('| `CORS_ORIGINS`')) ?? '';
  const load = (CORS_ORIGINS: string) => () => loadConfig({ APP_ID, APP_CERTIFICATE, CORS_ORIGINS });
  t.match(row, 'http://host[:port]');
  t.same(load('http://localhost:3000,https://app.example.com')().corsOrigins, ['http://localhost:3000', 'https://app.example.com']);
  t.match(row, 'no path');
  t.throws(load('https://app.example.com/path'), /CORS_ORIGINS/);
});
