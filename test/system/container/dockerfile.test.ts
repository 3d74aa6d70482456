/**
 * The Dockerfile, linted (dockerfile-utils, every rule at its strictest) and
 * checked for what the runtime image must be. Building and running the image
 * for real is test/system/container/smoke.sh, which .ci/run calls.
 */
import { readFileSync } from 'node:fs';
import { validate, ValidationSeverity } from 'dockerfile-utils';
import t from 'tap';

const dockerfile = readFileSync(new URL('../../../Dockerfile', import.meta.url), 'utf8');
const dockerignore = readFileSync(new URL('../../../.dockerignore', import.meta.url), 'utf8').split('\n');

/** Instructions with continuation lines joined and comments dropped. */
const instructions = dockerfile
  .replace(/\\\n/g, ' ')
  .split('\n')
  .map((l) => l.trim())
  .filter((l) => l && !l.startsWith('#'));
const stages = instructions.join('\n').split(/^FROM /m).slice(1);
const runtime = `FROM ${stages.at(-1) ?? ''}`;

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

t.test('separate build and runtime stages; only production deps and dist/ in the runtime', async (t) => {
  t.ok(stages.length >= 2, `${stages.length} stages`);
  t.match(instructions.join('\n'), /RUN .*npm ci --omit=dev/);
  t.match(instructions.join('\n'), /RUN npm run build/);
  const copies = runtime.split('\n').filter((l) => l.startsWith('COPY'));
  t.same(copies.map((c) => c.split(' ').at(-2)), ['/app/package-lock.json', '/app/node_modules', '/app/dist']);
  t.notMatch(runtime, /COPY (src|\.) /, 'no sources in the runtime image');
});

t.test('runtime: non-root, init process, node as PID 2 in exec form, health check with node', async (t) => {
  t.match(runtime, /^USER node$/m);
  t.match(runtime, /^ENTRYPOINT \["\/usr\/bin\/tini", "--"\]$/m);
  t.match(runtime, /^CMD \["node", "dist\/server.js"\]$/m);
  t.match(runtime, /^EXPOSE 8080$/m);
  t.match(runtime, /^ENV HOST=0\.0\.0\.0/m);
  const hc = runtime.split('\n').find((l) => l.startsWith('HEALTHCHECK')) ?? '';
  t.match(hc, /--interval=\d+s/);
  t.match(hc, /--timeout=\d+s/);
  t.match(hc, /CMD \["node", "-e", .*\/healthz/);
  t.notMatch(hc, /curl|wget/);
});

t.test('no secret in ARG or ENV, and none sent in the build context', async (t) => {
  for (const line of instructions.filter((l) => /^(ARG|ENV) /.test(l))) {
    t.notMatch(line, /CERT|SECRET|PASSWORD|TOKEN|API_KEY/i, line);
  }
  for (const entry of ['.env', 'node_modules', 'dist', '.git', '*.pem', '*.key']) {
    t.ok(dockerignore.includes(entry), `.dockerignore has ${entry}`);
  }
});
