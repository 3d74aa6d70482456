/**
 * The committed spec passes three independent checkers, offline: Redocly's
 * recommended ruleset (redocly.yaml, .redocly.lint-ignore.yaml), Spectral's
 * spectral:oas (.spectral.yaml) and swagger-parser's validation.
 */
import { readFileSync } from 'node:fs';
import SwaggerParser from '@apidevtools/swagger-parser';
import t from 'tap';
import { parse } from 'yaml';
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
  // The deliberate exceptions, listed one by one in .redocly.lint-ignore.yaml: each one still
  // matches a problem Redocly found (none stale), and each is an operation that takes no input.
  const ignoreFile = parse(readFileSync(`${ROOT}.redocly.lint-ignore.yaml`, 'utf8')) as Record<string, Record<string, string[]>>;
  const exempt = Object.values(ignoreFile).flatMap((rules) => Object.values(rules).flat());
  t.equal(report.totals.ignored, exempt.length, 'every listed exception is used');
  const spec = JSON.parse(readFileSync(`${ROOT}${SPEC_FILES.json}`, 'utf8')) as { paths: Record<string, Record<string, { parameters?: unknown[]; requestBody?: unknown }>> };
  for (const pointer of exempt) {
    const [, path, method] = /^#\/paths\/([^/]+)\/(\w+)\/responses$/.exec(pointer) ?? [];
    const operation = path && method ? spec.paths[path.replaceAll('~1', '/').replaceAll('~0', '~')]?.[method] : undefined;
    t.ok(operation, `${pointer} is an operation of the spec`);
    t.same([operation?.parameters ?? [], operation?.requestBody], [[], undefined], `${pointer}: no parameter, no body, so no 4xx to document`);
  }
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
