/**
 * The Dockerfile, linted (dockerfile-utils, every rule at its strictest), and the
 * build context kept free of secret files. What the image is (non-root, health
 * check, runtime holding dist/ and production dependencies only, no certificate
 * in any layer, SIGTERM exits 0) is checked on the built, running image by
 * test/system/container/smoke.sh, which .ci/run calls.
 */
import { readFileSync } from 'node:fs';
import { validate, ValidationSeverity } from 'dockerfile-utils';
import t from 'tap';

const dockerfile = readFileSync(new URL('../../../Dockerfile', import.meta.url), 'utf8');
const dockerignore = readFileSync(new URL('../../../.dockerignore', import.meta.url), 'utf8').split('\n');

t.test('dockerfile-utils reports nothing, even with every rule at error level', async (t) => {
  const E = ValidationSeverity.ERROR;
  const problems = validate(dockerfile, {
    deprecatedMaintainer: E,
    directiveCasing: E,
    emptyContinuationLine: E,
    instructionCasing: E,
    instructionCmdMultiple: E,
    instructionEntrypointMultiple: E,
    instructionHealthcheckMultiple: E,
    instructionJSONInSingleQuotes: E,
    instructionWorkdirRelative: E,
  });
  t.same(problems.map((p) => `${p.range.start.line + 1}: ${typeof p.message === 'string' ? p.message : p.message.value}`), []);
});

/**
 * Whether `path` (relative to the build context) is left out of it, by the .dockerignore rules as
 * Docker and podman apply them (moby/patternmatcher): patterns are anchored at the context root
 * (`*.pem` is only the root's, a leading double star and slash reaches any depth), `*` and `?` stay within one path segment,
 * a match on a directory leaves out everything under it, and the last matching line decides
 * (`!` puts a path back).
 */
function leftOut(path: string, lines: string[]): boolean {
  let out = false;
  const prefixes = path.split('/').map((_, i, parts) => parts.slice(0, i + 1).join('/'));
  for (const raw of lines) {
    const line = raw.trim();
    if (!line || line.startsWith('#')) continue;
    const negate = line.startsWith('!');
    const pattern = (negate ? line.slice(1) : line).replace(/^\/+/, '').replace(/\/+$/, '');
    let re = '';
    for (let i = 0; i < pattern.length; i++) {
      const c = pattern[i] as string;
      if (c === '*' && pattern[i + 1] === '*') {
        i++;
        if (pattern[i + 1] === '/') {
          i++;
          re += '(?:.*/)?';
        } else re += '.*';
      } else if (c === '*') re += '[^/]*';
      else if (c === '?') re += '[^/]';
      else re += c.replace(/[.+^${}()|[\]\\]/g, '\\$&');
    }
    const regex = new RegExp(`^${re}$`);
    if (prefixes.some((p) => regex.test(p))) out = !negate;
  }
  return out;
}

t.test('the build context: what the Dockerfile copies is sent, secrets and host artefacts are not', async (t) => {
  // Every source of a COPY from the context (not --from another stage) must be sent.
  const copied = [...dockerfile.matchAll(/^COPY (?!--from)(.+) \S+$/gm)].flatMap((m) => (m[1] as string).split(/\s+/));
  t.ok(copied.includes('src'), 'the Dockerfile copies src/ from the context');
  for (const source of copied) {
    const example = source.replace('*', '.build');
    t.notOk(leftOut(example, dockerignore), `${example} (COPY ${source}) is sent`);
  }
  for (const path of ['src/app.ts', 'src/pages/inspect/index.html', '.env.example']) t.notOk(leftOut(path, dockerignore), `${path} is sent`);
  // Wherever they sit: the builder (possibly remote) receives the whole context, copied or not.
  const secrets = [
    '.env', '.env.production', 'server.pem', 'tls.key', 'src/pages/inspect/dev.pem', 'src/local.key', 'deploy/.env',
    // Compose's secret files (deploy/compose.yaml), git-ignored there.
    'deploy/secrets/agora_app_certificate', 'deploy/secrets/api-keys', 'deploy/token-server.env',
  ];
  for (const path of secrets) t.ok(leftOut(path, dockerignore), `${path} is not sent`);
  for (const path of ['node_modules/fastify/package.json', 'src/node_modules/x.js', 'dist/server.js', '.git/config', 'coverage/lcov.info']) {
    t.ok(leftOut(path, dockerignore), `${path} is not sent`);
  }
});

t.test('the .dockerignore reading above follows Docker\'s rules', async (t) => {
  // The cases where Docker differs from .gitignore, so that a passing check above means what it says.
  t.ok(leftOut('a.pem', ['*.pem']));
  t.notOk(leftOut('sub/a.pem', ['*.pem']), '*.pem is the root only');
  t.ok(leftOut('sub/deeper/a.pem', ['**/*.pem']), '**/ reaches any depth');
  t.ok(leftOut('dist/x/y.js', ['dist']), 'a directory takes what is under it');
  t.notOk(leftOut('.env.example', ['.env.*', '!.env.example']), 'the last matching line decides');
  t.ok(leftOut('.env.example', ['!.env.example', '.env.*']));
  t.notOk(leftOut('srcx', ['src']), 'whole segments only');
});
