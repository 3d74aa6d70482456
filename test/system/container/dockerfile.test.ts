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

t.test('no secret file is sent in the build context', async (t) => {
  for (const entry of ['.env', 'node_modules', 'dist', '.git', '*.pem', '*.key']) {
    t.ok(dockerignore.includes(entry), `.dockerignore has ${entry}`);
  }
});
