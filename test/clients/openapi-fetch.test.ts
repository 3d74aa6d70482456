import t from 'tap';
import { SPEC_FILES } from '../../src/openapi.js';
import { runTool } from '../tools.js';
import { proveClient } from './harness.js';

t.test('openapi-typescript + openapi-fetch', (t) =>
  proveClient(t, 'openapi-fetch', (outDir) =>
    runTool('openapi-typescript', [SPEC_FILES.json, '--output', `${outDir}/schema.ts`, '--redocly', 'redocly.yaml']),
  ),
);
