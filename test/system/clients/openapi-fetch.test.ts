import t from 'tap';
import { SPEC_FILES } from '../../../src/openapi.js';
import { runTool } from '../../tools.js';
import { proveClient } from './harness.js';

t.test('openapi-typescript + openapi-fetch', (t) =>
  proveClient(t, 'openapi-fetch', (outDir) =>
    // openapi-typescript 7 makes every field with a `default` required, which is right for responses but
    // wrong for request bodies (role, version, expireSeconds… may be omitted); the README says so too.
    runTool('openapi-typescript', [SPEC_FILES.json, '--output', `${outDir}/schema.ts`, '--default-non-nullable', 'false']),
  ),
);
