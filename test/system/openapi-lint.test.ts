/**
 * The committed spec passes three independent checkers, offline: Redocly's
 * recommended ruleset (redocly.yaml, .redocly.lint-ignore.yaml), Spectral's
 * spectral:oas (.spectral.yaml) and swagger-parser's validation.
 */
import SwaggerParser from '@apidevtools/swagger-parser';
import t from 'tap';
import { SPEC_FILES } from '../../src/openapi.js';
import { ROOT, runTool } from '../tools.js';

// Both CLIs start at once: each spends most of its time loading itself.
const redocly = runTool('redocly', ['lint', SPEC_FILES.json, '--format=json'], {
  REDOCLY_TELEMETRY: 'off',
  REDOCLY_SUPPRESS_UPDATE_NOTICE: 'true',
});
const spectral = runTool('spectral', ['lint', SPEC_FILES.yaml, SPEC_FILES.json, '--format=json', '--fail-severity=hint'], {
  SCARF_ANALYTICS: 'false',
});

t.test('redocly lint (recommended): 0 errors, 0 warnings', async (t) => {
  const res = await redocly;
  const report = JSON.parse(res.stdout) as { totals: { errors: number; warnings: number; ignored: number }; problems: unknown[] };
  t.same(report.problems, [], 'no problems');
  t.match(report.totals, { errors: 0, warnings: 0 });
  // The deliberate exceptions, listed one by one in .redocly.lint-ignore.yaml.
  t.equal(report.totals.ignored, 3, 'only the three input-less operations are exempt from operation-4xx-response');
  t.equal(res.code, 0, res.stderr);
});

t.test('spectral lint (spectral:oas): 0 errors, 0 warnings', async (t) => {
  const res = await spectral;
  // With no results spectral prints `[]` followed by a sentence.
  t.same(JSON.parse(res.stdout.slice(0, res.stdout.lastIndexOf(']') + 1)), [], 'no results at any severity');
  t.equal(res.code, 0, res.stderr);
});

t.test('swagger-parser validates both files', async (t) => {
  for (const file of Object.values(SPEC_FILES)) {
    const api = await SwaggerParser.validate(`${ROOT}${file}`);
    t.equal(api.info.title, 'Agora Token Server', `${file} is valid OpenAPI`);
  }
  await t.rejects(
    SwaggerParser.validate({ openapi: '3.0.3', info: { title: 'x', version: '1' }, paths: { '/a/{b}': { get: { responses: {} } } } } as never),
    'the validator does reject a broken document',
  );
});
