/**
 * The Markdown configuration tables against the declarations (src/config/env.ts):
 * every variable has exactly one row, in its group's table, with its default, its
 * bounds or accepted text and its description; no hand-written row describes one
 * elsewhere; and the generated text is current.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import t from 'tap';
import type { TSchema } from '@sinclair/typebox';
import { configTable, renderConfigTables, tableNames } from '../src/config/docs.js';
import { ENV_TABLES, EnvSchema } from '../src/config/env.js';

const ROOT = new URL('../', import.meta.url);
/** README.md and docs/**\/*.md: wherever the reference sections live. */
function markdownFiles(): { path: string; text: string }[] {
  const paths = ['README.md'];
  if (existsSync(new URL('docs/', ROOT))) {
    const docs = readdirSync(new URL('docs/', ROOT), { recursive: true, encoding: 'utf8' });
    paths.push(...docs.filter((f) => f.endsWith('.md')).map((f) => `docs/${f}`));
  }
  return paths.map((path) => ({ path, text: readFileSync(new URL(path, ROOT), 'utf8') }));
}

type Declared = TSchema & { default?: unknown; description: string; unset?: string; minimum?: number; maximum?: number };
const BLOCK = /<!-- config-table:([a-z]+)[^>]*-->\n([\s\S]*?)<!-- \/config-table -->/g;
const ROW = /^\|\s*`([A-Z][A-Z0-9_]*)`\s*\|/;

/** Reads the tables as a person would, cell by cell, and lists every disagreement with the declarations. */
function tableProblems(files: { path: string; text: string }[]): string[] {
  const problems: string[] = [];
  const seenTables = new Map<string, string>();
  const rows = new Map<string, string>();
  for (const { path, text } of files) {
    for (const [, table = '', body = ''] of text.matchAll(BLOCK)) {
      if (!Object.hasOwn(ENV_TABLES, table)) problems.push(`${path}: unknown table ${table}`);
      if (seenTables.has(table)) problems.push(`${path}: table ${table} appears twice (also in ${seenTables.get(table)})`);
      seenTables.set(table, path);
      const group = (ENV_TABLES as Record<string, { properties: Record<string, TSchema> }>)[table]?.properties ?? {};
      for (const line of body.split('\n').filter((l) => ROW.test(l))) {
        const name = (ROW.exec(line) as RegExpExecArray)[1] as string;
        if (rows.has(name)) problems.push(`${path}: ${name} has a second row`);
        rows.set(name, line);
        const schema = group[name] as Declared | undefined;
        if (!schema) {
          problems.push(`${path}: ${name} is not a variable of the ${table} table`);
          continue;
        }
        const [, , fallback = '', accepted = '', meaning = ''] = line.split(/(?<!\\)\|/).map((c) => c.trim());
        if (schema.default !== undefined && fallback !== `\`${String(schema.default)}\``) problems.push(`${name}: default ${fallback}`);
        if (schema.default === undefined && schema.unset !== undefined && !fallback.includes(schema.unset)) problems.push(`${name}: unset ${fallback}`);
        if (schema.minimum !== undefined && !accepted.includes(`from ${schema.minimum} to ${schema.maximum}`)) problems.push(`${name}: bounds ${accepted}`);
        if (meaning !== schema.description) problems.push(`${name}: meaning ${meaning}`);
      }
    }
    // A hand-written row elsewhere would be a second, drifting description.
    // (A header row naming a variable, say a table of AUTH_MODE's values, describes none.)
    const outside = text.replace(BLOCK, '').split('\n');
    outside.forEach((line, i) => {
      const name = ROW.exec(line)?.[1];
      const header = /^\|\s*-/.test(outside[i + 1] ?? '');
      if (name !== undefined && !header && Object.hasOwn(EnvSchema.properties, name)) problems.push(`${path}: ${name} has a row outside the generated tables`);
    });
  }
  for (const table of Object.keys(ENV_TABLES)) if (!seenTables.has(table)) problems.push(`table ${table} is missing`);
  for (const name of Object.keys(EnvSchema.properties)) if (!rows.has(name)) problems.push(`${name} has no row`);
  return problems;
}

t.test('the configuration tables list every variable once, with its default, bounds and meaning', async (t) => {
  const files = markdownFiles();
  t.same(tableProblems(files), []);
  t.same(files.flatMap((f) => tableNames(f.text)).sort(), Object.keys(ENV_TABLES).sort(), 'each table once');
});

t.test('the configuration tables are current (`npm run docs:config` writes them)', async (t) => {
  for (const { path, text } of markdownFiles()) t.equal(renderConfigTables(text), text, path);
});

t.test('the table check fails on a missing, extra, repeated or wrong row', async (t) => {
  const files = markdownFiles();
  const edit = (from: string | RegExp, to: string) => files.map((f) => ({ ...f, text: f.text.replace(from, to) }));
  const portRow = /^\| `PORT` \|.*\n/m;
  t.same(tableProblems(edit(portRow, '')), ['PORT has no row']);
  const withRow = (row: string) => edit('| `HOST` |', `${row}\n| \`HOST\` |`);
  t.same(tableProblems(withRow('| `PORTS` | `1` | x | y |')), ['docs/configuration.md: PORTS is not a variable of the core table']);
  t.same(tableProblems(withRow('| `PORT` | `8080` | a TCP port from 0 to 65535 | TCP port to listen on |')), ['docs/configuration.md: PORT has a second row']);
  t.same(tableProblems(withRow('| `REDIS_URL` | — | x | y |')), ['docs/configuration.md: REDIS_URL is not a variable of the core table', 'docs/configuration.md: REDIS_URL has a second row']);
  t.same(tableProblems(edit('| `PORT` | `8080` |', '| `PORT` | `80` |')), ['PORT: default `80`']);
  t.same(tableProblems(edit('a TCP port from 0 to 65535', 'a TCP port')), ['PORT: bounds a TCP port']);
  t.same(tableProblems(edit('TCP port to listen on |', 'Port |')), ['PORT: meaning Port']);
  t.same(tableProblems(edit("unset: 90 % of V8's heap limit", '—')), ['SHED_MAX_HEAP_USED_MB: unset —']);
  t.same(tableProblems(edit('# Configuration\n', '# Configuration\n\n| `APP_ID` | hand-written |\n')), ['docs/configuration.md: APP_ID has a row outside the generated tables']);
  const renamed = tableProblems(edit('config-table:deploy', 'config-table:deploys'));
  t.equal(renamed[0], 'docs/configuration.md: unknown table deploys');
  t.equal(renamed.at(-1), 'table deploy is missing');
  const twice = tableProblems([...files, { path: 'docs/copy.md', text: configTable('core') }]);
  t.equal(twice[0], 'docs/copy.md: table core appears twice (also in docs/configuration.md)');
});

t.test('renderConfigTables rewrites a stale table and leaves an unknown one alone', async (t) => {
  const stale = '# x\n<!-- config-table:auth -->\n| old |\n<!-- /config-table -->\ntext\n';
  t.equal(renderConfigTables(stale), `# x\n${configTable('auth')}\ntext\n`);
  const unknown = '<!-- config-table:nope -->\n| old |\n<!-- /config-table -->\n';
  t.equal(renderConfigTables(unknown), unknown);
  t.same(tableNames(stale + unknown), ['auth', 'nope']);
});
