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
  t.ok(spec.components.schemas.ErrorResponse, 'named error component');
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

t.test('Swagger UI is built on its first request and answers like any route of this app', async (t) => {
  const app = await build(t);
  const page = await app.inject('/docs/');
  t.equal(page.statusCode, 200);
  t.match(page.headers['content-type'], /^text\/html/);
  t.match(page.headers['content-security-policy'], /script-src 'self'/, 'the docs CSP of this app');
  t.match(page.headers['x-request-id'], /^[0-9a-f-]{36}$/);
  const asset = /src="\.\/static\/([^"]+\.js)"/.exec(page.body)?.[1];
  t.ok(asset, 'the page names its script');

  const script = await app.inject(`/docs/static/${asset}`);
  t.equal(script.statusCode, 200);
  t.match(script.headers['content-type'], /javascript/);
  t.ok(script.headers.etag, 'static files carry validators');
  const again = await app.inject({ url: `/docs/static/${asset}`, headers: { 'if-none-match': String(script.headers.etag) } });
  t.equal(again.statusCode, 304, 'conditional requests reach the static files');
  t.equal(again.body, '');
  const range = await app.inject({ url: `/docs/static/${asset}`, headers: { range: 'bytes=0-9' } });
  t.equal(range.statusCode, 206);
  t.equal(range.body.length, 10);
  t.match(range.headers['content-range'], /^bytes 0-9\//);

  const unsatisfiable = await app.inject({ url: `/docs/static/${asset}`, headers: { range: 'bytes=999999999-' } });
  t.equal(unsatisfiable.statusCode, 416);
  t.match(unsatisfiable.json(), { statusCode: 416, code: 'RANGE_NOT_SATISFIABLE', requestId: unsatisfiable.headers['x-request-id'] }, 'the one error shape');

  const missing = await app.inject('/docs/static/no-such-file.js');
  t.equal(missing.statusCode, 404);
  t.match(missing.json(), { statusCode: 404, code: 'NOT_FOUND' });

  const moved = await app.inject('/docs/static/index.html');
  t.equal(moved.statusCode, 302);
  t.match(moved.headers.location, /\/docs\/$/);

  const json = await app.inject('/docs/json');
  t.same(json.json(), app.swagger(), "the inner app serves this app's document");
  const yaml = await app.inject('/docs//yaml');
  t.equal(yaml.statusCode, 200, 'duplicate slashes are tolerated as on every route');
  t.equal(yaml.body, app.swagger({ yaml: true }));
  const head = await app.inject({ method: 'HEAD', url: '/docs/json' });
  t.equal(head.statusCode, 200);
  t.equal(head.body, '');
  const initializer = await app.inject('/docs/static/swagger-initializer.js');
  t.match(initializer.body, /"persistAuthorization":false/, 'the UI options reach the inner app');
});
