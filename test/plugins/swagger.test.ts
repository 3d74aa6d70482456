import { Type } from '@sinclair/typebox';
import t from 'tap';
import { ref } from '../../src/schemas/common.js';
import { build } from '../helper.js';

t.test('the OpenAPI document names its components after the schemas', async (t) => {
  const app = await build(t);
  const res = await app.inject('/docs/json');
  t.equal(res.statusCode, 200);
  const spec = res.json();
  t.equal(spec.openapi, '3.0.3');
  t.ok(spec.components.schemas.RtcTokenRequest, 'named request component');
  t.ok(spec.components.schemas.Error, 'named error component');
  t.notOk(Object.keys(spec.components.schemas).some((k) => /^def-|undefined/.test(k)), 'no anonymous components');
  t.same(
    spec.paths['/v1/tokens/rtc'].post.requestBody.content['application/json'].schema,
    { $ref: '#/components/schemas/RtcTokenRequest' },
  );
});

t.test('ref() needs a schema with an $id', async (t) => {
  t.throws(() => ref(Type.String()), { message: 'ref() needs a schema with an $id' });
  t.equal(ref(Type.String({ $id: 'X' })).$ref, 'X');
});
