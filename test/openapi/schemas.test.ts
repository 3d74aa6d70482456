/**
 * Every schema the server validates or serializes with is valid JSON Schema (draft-07,
 * Ajv's meta-schema). The server does not check this at start-up (Ajv's validateSchema is
 * off in src/app.ts: compiling the meta-schema was a tenth of the time to the first
 * token), so it is checked here, for the shared schemas and the routes' own.
 */
import { Ajv } from 'ajv';
import t from 'tap';
import { loadConfig } from '../../src/config.js';
import { buildCompatSchemas } from '../../src/schemas/compat.js';
import { buildTokenSchemas } from '../../src/schemas/tokens.js';
import { baseEnv, build } from '../helper.js';

t.test('shared and route schemas pass the meta-schema', async (t) => {
  const app = await build(t);
  const config = loadConfig(baseEnv);
  const limits = { ttlDefault: config.tokenTtlDefault, ttlMax: config.tokenTtlMax };
  const schemas: [string, object][] = [
    ...(Object.entries(app.getSchemas()) as [string, object][]),
    ...Object.entries(buildTokenSchemas(limits)),
    ...Object.entries(buildCompatSchemas(limits)),
  ];
  t.ok(schemas.length > 30, `${schemas.length} schemas`);
  const ajv = new Ajv({ validateSchema: true, strict: false });
  for (const [name, schema] of schemas) {
    t.ok(ajv.validateSchema(schema), `${name}: ${ajv.errorsText(ajv.errors)}`);
  }
  t.notOk(ajv.validateSchema({ type: 'object', properties: { uid: { type: 'integer', minimum: '5' } } }), 'a broken schema is caught');
});
