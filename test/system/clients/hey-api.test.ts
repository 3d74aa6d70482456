import t from 'tap';
import { SPEC_FILES } from '../../../src/openapi.js';
import { runTool } from '../../tools.js';
import { proveClient } from './harness.js';

t.test('@hey-api/openapi-ts (fetch client + SDK)', (t) =>
  proveClient(t, 'hey-api', async (outDir) => {
    // `./` keeps the CLI from reading a relative path as an "organization/project" shorthand.
    const res = await runTool('openapi-ts', ['--input', `./${SPEC_FILES.json}`, '--output', outDir]);
    t.notMatch(res.stdout, /\b[A-Z]\w*[a-z][0-9]\b/, 'no generated name needed a numeric suffix to be unique');
    return res;
  }),
);
