/**
 * Facts of README.md and docs/*.md that drift when the code moves: derived here from the code itself,
 * and the README's curls sent to the app as written.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import t from 'tap';
import { loadConfig } from '../../src/config.js';
import { MINTED_TYPES } from '../../src/plugins/metrics.js';
import { decodeToken, verify006, verify007 } from '../../src/tokens/codec.js';
import { APP_CERTIFICATE, APP_ID, baseEnv, build } from '../helper.js';

const ROOT = new URL('../../', import.meta.url);
const read = (path: string) => readFileSync(new URL(path, ROOT), 'utf8');
const README = read('README.md');
/** The text of one section of a page (`# `, `## `…), up to the next heading of any level. */
const section = (page: string, title: string) => {
  const text = read(page);
  const start = text.indexOf(`${title}\n`);
  if (start < 0) throw new Error(`${page} has no heading ${title}`);
  return text.slice(start, text.indexOf('\n#', start + title.length));
};

t.test('the metrics table lists exactly the type labels the server emits', async (t) => {
  const row = section('docs/deploy.md', '## Metrics').split('\n').find((l) => l.startsWith('| `token_server_tokens_minted_total`'));
  const listed = /`type` \(([^)]*)\)/.exec(row ?? '')?.[1]?.split(', ').map((entry) => entry.split(' ')[0]);
  t.same(listed, [...MINTED_TYPES]);
});

t.test('the audit log section names the level the leak scan runs at', async (t) => {
  t.equal(baseEnv.LOG_LEVEL, 'trace');
  t.match(section('docs/auth.md', '## Audit log'), `scans every log line it produces, at ${baseEnv.LOG_LEVEL}\nlevel`);
});

t.test('Project layout: every src/ path it names exists, and it names every folder of src/ and test/ and every plugin', async (t) => {
  const layout = section('docs/development.md', '## Project layout');
  const paths = [...layout.matchAll(/\bsrc\/[\w./-]*[\w/]/g)].map((m) => m[0]);
  t.ok(paths.length >= 8);
  for (const path of paths) t.ok(existsSync(new URL(path, ROOT)), path);
  // The folders that hold files (a folder left holding only a git-ignored cache is not part of the tree).
  const folders = (top: string) => [
    ...new Set(
      readdirSync(new URL(`${top}/`, ROOT), { recursive: true, withFileTypes: true })
        .filter((d) => d.isFile())
        .map((d) => `${relative(fileURLToPath(ROOT), d.parentPath)}/`)
        .filter((path) => !path.includes('/.')),
    ),
  ];
  for (const folder of [...folders('src'), ...folders('test'), 'bench/']) t.match(layout, folder, folder);
  const plugins = readdirSync(new URL('src/plugins/', ROOT)).filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts'));
  t.ok(plugins.length >= 10);
  // The src/plugins/ row and its continuation lines.
  const row = /^src\/plugins\/.*\n(?: {21}.*\n)*/m.exec(layout)?.[0] ?? '';
  for (const plugin of plugins) t.match(row, new RegExp(`(^|[ (])${plugin.replace('.ts', '')}\\b`), `plugin ${plugin}`);
});

t.test('CORS_ORIGINS: the table says what loadConfig accepts', async (t) => {
  const row = section('docs/configuration.md', '# Configuration').split('\n').find((l) => l.startsWith('| `CORS_ORIGINS`')) ?? '';
  const load = (CORS_ORIGINS: string) => () => loadConfig({ APP_ID, APP_CERTIFICATE, CORS_ORIGINS });
  t.match(row, 'http://host[:port]');
  t.same(load('http://localhost:3000,https://app.example.com')().corsOrigins, ['http://localhost:3000', 'https://app.example.com']);
  t.match(row, 'no path');
  t.throws(load('https://app.example.com/path'), /CORS_ORIGINS/);
});

/** A shell line's words, as sh splits them: quotes joined and removed, `# comments` dropped. */
function shellWords(line: string): string[] {
  const words: string[] = [];
  let word: string | undefined;
  let quote = '';
  for (const ch of line) {
    if (quote) {
      if (ch === quote) quote = '';
      else word += ch;
    } else if (ch === "'" || ch === '"') {
      quote = ch;
      word ??= '';
    } else if (ch === ' ') {
      if (word !== undefined) words.push(word);
      word = undefined;
    } else if (ch === '#' && word === undefined) {
      break;
    } else {
      word = (word ?? '') + ch;
    }
  }
  if (word !== undefined) words.push(word);
  return words;
}

interface Curl { method: string; path: string; headers: Record<string, string>; body?: string }

/** Every `curl` of the README's sh blocks, continuation lines joined, as the request it sends. */
function readmeCurls(): Curl[] {
  const blocks = [...README.matchAll(/^```sh\n([\s\S]*?)^```$/gm)].map((m) => m[1] ?? '');
  const lines = blocks.flatMap((b) => b.replace(/\\\n/g, ' ').split('\n')).filter((l) => l.startsWith('curl '));
  return lines.map((line) => {
    const words = shellWords(line).slice(1);
    const curl: Curl = { method: 'GET', path: '', headers: {} };
    for (let i = 0; i < words.length; i++) {
      const word = words[i] as string;
      if (word === '-X') curl.method = words[++i] as string;
      else if (word === '-H') {
        const [name = '', ...value] = (words[++i] as string).split(':');
        curl.headers[name.toLowerCase()] = value.join(':').trim();
      } else if (word === '-d') {
        curl.body = words[++i];
        if (curl.method === 'GET') curl.method = 'POST';
      } else if (word === '-s') continue;
      else curl.path = word.replace(/^localhost:8080/, '');
    }
    return curl;
  });
}

t.test('the shell reading of a curl line', async (t) => {
  t.same(shellWords(`curl -s -X POST localhost:8080/x -H 'content-type: application/json' -d '{"a":"b c"}'  # note`), [
    'curl', '-s', '-X', 'POST', 'localhost:8080/x', '-H', 'content-type: application/json', '-d', '{"a":"b c"}',
  ]);
  t.same(shellWords(`curl -s "localhost:8080/a?b=1&c=2" -d ''`), ['curl', '-s', 'localhost:8080/a?b=1&c=2', '-d', '']);
});

/** The services each front-page route's tokens carry, by response field. */
const SERVICES: Record<string, Record<string, string[]>> = {
  '/v1/tokens/rtc': { token: ['rtc'] },
  '/v1/tokens/rtm': { token: ['rtm'] },
  '/v1/tokens/rtc-rtm': { rtcToken: ['rtc'], rtmToken: ['rtm'] },
  '/v1/tokens/chat': { token: ['chat'] },
  '/v1/tokens/apaas': { token: ['rtm', 'chat', 'apaas'] },
  '/v1/tokens/convoai': { token: ['rtc', 'rtm', 'convoai'] },
  '/v1/tokens/stt': { token: ['rtc', 'rtm', 'stt'] },
  '/v1/tokens/fpa': { token: ['fpa'] },
};

t.test("the README's curls: one per token type, each answered as written with a token that verifies", async (t) => {
  const app = await build(t);
  const curls = readmeCurls();
  const paths = new Set(curls.map((c) => c.path.split('?')[0]));
  const minting = Object.keys((app.swagger() as { paths: Record<string, unknown> }).paths).filter((p) => p.startsWith('/v1/tokens/'));
  t.ok(minting.length >= 9);
  for (const path of [...minting, '/access_token']) t.ok(paths.has(path), `a curl for ${path}`);

  let rtcToken = '';
  for (const curl of curls.filter((c) => c.path !== '/v1/tokens/inspect')) {
    const res = await app.inject({ method: curl.method as 'GET', url: curl.path, headers: curl.headers, payload: curl.body });
    t.equal(res.statusCode, 200, `${curl.method} ${curl.path}: ${res.body}`);
    const body = res.json<Record<string, string>>();
    if (curl.path.startsWith('/access_token')) {
      const query = new URL(curl.path, 'http://localhost').searchParams;
      const decoded = decodeToken(body.token ?? '');
      const signed = decoded.ok && decoded.token.version === '006' && verify006(decoded.token, APP_CERTIFICATE, query.get('channelName') ?? '', query.get('uid') ?? '');
      t.ok(signed, 'a 006 RTC token for the channel and uid of the query');
      continue;
    }
    for (const [field, services] of Object.entries(SERVICES[curl.path] ?? { missing: ['a known route'] })) {
      const decoded = decodeToken(body[field] ?? '');
      if (!decoded.ok || decoded.token.version !== '007') {
        t.fail(`${curl.path}: ${field} is no 007 token`);
        continue;
      }
      t.ok(verify007(decoded.token, APP_CERTIFICATE), `${curl.path}: ${field} verifies`);
      t.same(decoded.token.services.map((s) => s.name).sort(), [...services].sort(), `${curl.path}: ${field} carries ${services.join(', ')}`);
    }
    if (curl.path === '/v1/tokens/rtc') rtcToken ||= body.token ?? '';
  }

  // The inspect curl carries a placeholder: it inspects the token the README's RTC curl minted.
  const inspect = curls.find((c) => c.path === '/v1/tokens/inspect') as Curl;
  const payload = JSON.parse(inspect.body as string) as { token: string; channelName: string; uid: number };
  t.match(payload.token, /…$/, 'a placeholder to paste a token into');
  const res = await app.inject({ method: 'POST', url: inspect.path, headers: inspect.headers, payload: { ...payload, token: rtcToken } });
  t.equal(res.statusCode, 200);
  t.match(res.json(), { valid: true, signatureValid: true, problems: [] }, 'the RTC token is good for the channel and uid the inspect curl names');
});
