/**
 * Relative links in README.md and docs/*.md: each reaches a file of the repository and,
 * for a #anchor, a heading of that file (as GitHub names its anchors). Moving a section
 * from one page to another breaks its links silently otherwise.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import t from 'tap';

const ROOT = new URL('../../', import.meta.url);
const pages = () => ['README.md', ...readdirSync(new URL('docs/', ROOT)).filter((f) => f.endsWith('.md')).map((f) => `docs/${f}`)];

/** The text outside fenced code blocks: a `# comment` in a shell block is no heading, `[x](y)` in code no link. */
const prose = (text: string) => text.replace(/^```[\s\S]*?^```$/gm, '');

/** GitHub's anchor for a heading: lower case, punctuation dropped, spaces as hyphens; repeats get -1, -2, … */
function anchors(text: string): Set<string> {
  const seen = new Map<string, number>();
  const out = new Set<string>();
  for (const [, heading = ''] of prose(text).matchAll(/^#{1,6} (.*)$/gm)) {
    const rendered = heading.replace(/\[([^\]]*)\]\([^)]*\)/g, '$1');
    const slug = rendered.toLowerCase().replace(/[^\p{L}\p{N}\p{M} _-]/gu, '').replaceAll(' ', '-');
    const n = seen.get(slug) ?? 0;
    seen.set(slug, n + 1);
    out.add(n ? `${slug}-${n}` : slug);
  }
  return out;
}

/** Every relative link of one page that reaches no file, or no heading of it. */
function brokenLinks(page: string, text: string, read: (path: string) => string | undefined): string[] {
  const problems: string[] = [];
  const inline = prose(text).replace(/`[^`\n]*`/g, '');
  for (const [, target = ''] of inline.matchAll(/\]\(([^)\s]+)\)/g)) {
    if (/^[a-z][a-z+.-]*:/i.test(target)) continue; // https:, mailto:: not a file of this repository
    const [file = '', anchor] = target.split('#');
    const path = file ? new URL(file, new URL(page, ROOT)).pathname.slice(ROOT.pathname.length) : page;
    const content = read(path);
    if (content === undefined) problems.push(`${page}: ${target}: no file ${path}`);
    else if (anchor !== undefined && !anchors(content).has(anchor)) problems.push(`${page}: ${target}: no heading #${anchor} in ${path}`);
  }
  return problems;
}

/** A file's text, '' for a directory, undefined when nothing is there. */
const readRepo = (path: string) => {
  const url = new URL(path, ROOT);
  if (!existsSync(url)) return undefined;
  return statSync(url).isDirectory() ? '' : readFileSync(url, 'utf8');
};

t.test('every relative link in README.md and docs/*.md reaches a file, and a heading for its #anchor', async (t) => {
  const all = pages();
  t.ok(all.length >= 10, 'README.md and the docs pages');
  const links = all.flatMap((page) => [...prose(readFileSync(new URL(page, ROOT), 'utf8')).matchAll(/\]\((?!https?:)[^)\s]+\)/g)]);
  t.ok(links.length >= 30, `${links.length} relative links checked`);
  t.same(all.flatMap((page) => brokenLinks(page, readFileSync(new URL(page, ROOT), 'utf8'), readRepo)), []);
});

t.test('the README links to every docs page', async (t) => {
  const readme = readFileSync(new URL('README.md', ROOT), 'utf8');
  for (const page of pages().filter((p) => p !== 'README.md')) t.match(readme, `](${page})`, page);
});

t.test('the link check finds a missing file or heading, and reads anchors as GitHub writes them', async (t) => {
  const files: Record<string, string> = {
    'docs/a.md': '# A page\n\n## `POST /v1/x` — a route (always 007)\n\n## Token types (services)\n\n## Notes\n\n## Notes\n\n```sh\n# not a heading\n```\n',
    'docs/b.md': '# B\n',
  };
  const read = (path: string) => files[path];
  const check = (text: string) => brokenLinks('docs/c.md', text, read);
  t.same(check('[x](a.md) [x](./b.md#b) [x](a.md#post-v1x--a-route-always-007) [x](a.md#token-types-services) [x](a.md#notes-1)'), []);
  t.same(check('[x](https://example.com/missing.md) `[x](missing.md)`\n```\n[x](missing.md)\n```\n'), [], 'URLs and code are not links');
  t.same(check('[x](missing.md)'), ['docs/c.md: missing.md: no file docs/missing.md']);
  t.same(check('[x](../a.md)'), ['docs/c.md: ../a.md: no file a.md'], 'resolved from the linking page');
  t.same(check('[x](a.md#not-a-heading)'), ['docs/c.md: a.md#not-a-heading: no heading #not-a-heading in docs/a.md']);
  t.same(check('[x](a.md#notes-2)'), ['docs/c.md: a.md#notes-2: no heading #notes-2 in docs/a.md'], 'two headings make two anchors');
  t.same(check('[x](#here)'), ['docs/c.md: #here: no file docs/c.md'], 'an anchor alone is in the linking page');
  files['docs/c.md'] = '# Here\n';
  t.same(check('[x](#here)'), []);
});

t.test('every docs page the published spec names exists', async (t) => {
  const spec = JSON.parse(readFileSync(new URL('openapi/openapi.json', ROOT), 'utf8')) as { info: { description: string } };
  const named = [...spec.info.description.matchAll(/\bdocs\/[\w-]+\.md\b/g)].map((m) => m[0]);
  t.ok(named.length >= 3, named.join(', '));
  for (const page of named) t.ok(existsSync(new URL(page, ROOT)), page);
});
