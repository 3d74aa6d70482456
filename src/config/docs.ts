/**
 * The configuration tables of the Markdown docs, generated from the declarations in
 * env.ts. A table lives between `<!-- config-table:NAME … -->` and `<!-- /config-table -->`
 * (NAME a key of ENV_TABLES); `npm run docs:config` rewrites them, test/config-docs.test.ts
 * fails when one is stale, missing or repeated.
 */
import { markdownTable } from './declare.js';
import { ENV_TABLES } from './env.js';

export type TableName = keyof typeof ENV_TABLES;
const BLOCK = /<!-- config-table:([a-z]+)[^>]*-->\n[\s\S]*?<!-- \/config-table -->/g;

export function configTable(name: TableName): string {
  return [
    `<!-- config-table:${name} (generated from src/config/env.ts: edit there, then run \`npm run docs:config\`) -->`,
    markdownTable(ENV_TABLES[name]),
    '<!-- /config-table -->',
  ].join('\n');
}

/** The names of the table blocks in a Markdown text, in order. */
export function tableNames(markdown: string): string[] {
  return [...markdown.matchAll(BLOCK)].map((m) => m[1] as string);
}

/** The text with every known table block regenerated; blocks naming no table are left for the test to report. */
export function renderConfigTables(markdown: string): string {
  return markdown.replace(BLOCK, (whole, name: string) => (Object.hasOwn(ENV_TABLES, name) ? configTable(name as TableName) : whole));
}
