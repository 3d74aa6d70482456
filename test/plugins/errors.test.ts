import t from 'tap';
import { buildApp } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import { HttpError } from '../../src/plugins/errors.js';
import { ref } from '../../src/schemas/common.js';
import { baseEnv, build, logSink } from '../helper.js';

const SHAPE = { statusCode: Number, error: String, code: String, message: String, requestId: String };

t.test('404 and 405 in the one error shape', async (t) => {
  const app = await build(t);
  const missing = await app.inject({ url: '/nope?x=1' });
  t.equal(missing.statusCode, 404);
  t.match(missing.json(), { ...SHAPE, code: 'NOT_FOUND', message: 'no route for GET /nope' });
  const wrong = await app.inject({ method: 'GET', url: '/v1/tokens/rtc' });
  t.equal(wrong.statusCode, 405);
  t.equal(wrong.headers.allow, 'POST');
  t.match(wrong.json(), { code: 'METHOD_NOT_ALLOWED' });
  const del = await app.inject({ method: 'DELETE', url: '/healthz' });
  t.equal(del.headers.allow, 'GET, HEAD');
});

t.test('validation and body errors name the field', async (t) => {
  const app = await build(t);
  const post = (payload: string | object, headers: Record<string, string> = { 'content-type': 'application/json' }) =>
    app.inject({ method: 'POST', url: '/v1/tokens/rtc', payload, headers });
  t.match((await post({ uid: 1 })).json(), { ...SHAPE, statusCode: 400, code: 'VALIDATION_ERROR', field: 'channelName' });
  t.match((await post({ channelName: 'c', uid: 1, extra: true })).json(), { field: 'extra', message: 'body/extra is not a known property' });
  t.match((await post({ channelName: 'c', uid: 1, expireSeconds: 1_790_000_000 })).json(), {
    field: 'expireSeconds',
    message: /looks like an absolute unix timestamp \(1790000000\); send a duration in seconds from now \(at most 86400\)/,
  });
  t.match((await post({ channelName: 'c', uid: 1, expireSeconds: 90_000 })).json(), { field: 'expireSeconds', message: /must be <= 86400/ });
  t.match((await post('[1]')).json(), { field: 'body', message: /^body must be object/ });
  t.match((await post('{"channelName":')).json(), { statusCode: 400, code: 'INVALID_JSON' });
  t.match((await post('<a/>', { 'content-type': 'application/xml' })).json(), { statusCode: 415, code: 'UNSUPPORTED_MEDIA_TYPE' });
  t.match((await post(JSON.stringify({ channelName: 'x'.repeat(9000) }))).json(), { statusCode: 413, code: 'BODY_TOO_LARGE' });
  const query = await app.inject({ url: '/rtc/room/publisher/uid/5?expiry=soon' });
  t.match(query.json(), { field: 'expiry', message: /^querystring\/expiry must match pattern/ });
});

t.test('thrown errors: HttpError as is, 4xx by status, 5xx masked and logged', async (t) => {
  const app = await buildApp(loadConfig(baseEnv), { logStream: logSink() });
  t.teardown(() => app.close());
  app.get('/teapot', async () => {
    throw new HttpError(418, 'TEAPOT', 'short and stout', { field: 'pot', headers: { 'x-extra': 'yes' } });
  });
  app.get('/gone', async () => {
    throw Object.assign(new Error('gone away'), { statusCode: 410 });
  });
  app.get('/weird', async () => {
    throw Object.assign(new Error('odd'), { statusCode: 499 });
  });
  app.get('/boom', async () => {
    throw new Error('database password is hunter2');
  });
  app.get('/unavailable', async () => {
    throw Object.assign(new Error('internal detail'), { statusCode: 503 });
  });
  app.get('/odd-status', async () => {
    throw Object.assign(new Error('internal detail'), { statusCode: 700 });
  });
  app.get('/no-details', { schema: { querystring: { type: 'object', properties: { n: { type: 'integer' } } } } }, async () => 'ok');
  // Validation errors as other plugins may throw them: not all fields are always there.
  const validation = (entries: object[], body?: object) => async () => {
    void body;
    throw Object.assign(new Error('handmade'), { validation: entries });
  };
  app.post('/v/none', validation([]));
  app.post('/v/nested-missing', validation([{ instancePath: '/a', keyword: 'required', params: { missingProperty: 'b' } }]));
  app.post('/v/nested-extra', validation([{ instancePath: '/a', keyword: 'additionalProperties', params: { additionalProperty: 'z' } }]));
  app.post('/v/bare', validation([{ instancePath: '', keyword: 'type' }]));
  app.post('/v/max', validation([{ instancePath: '/n', keyword: 'maximum', params: { limit: 5 } }]));
  app.setValidatorCompiler(() => () => ({ error: Object.assign(new Error('custom failure'), { validation: [] }) }));
  await app.ready();

  const teapot = await app.inject({ url: '/teapot' });
  t.equal(teapot.statusCode, 418);
  t.equal(teapot.headers['x-extra'], 'yes');
  t.match(teapot.json(), { code: 'TEAPOT', message: 'short and stout', field: 'pot', error: "I'm a Teapot" });
  t.match((await app.inject({ url: '/gone' })).json(), { statusCode: 410, code: 'GONE', message: 'gone away' });
  t.match((await app.inject({ url: '/weird' })).json(), { statusCode: 499, error: 'Error', code: 'CLIENT_ERROR' });
  const boom = await app.inject({ url: '/boom' });
  t.equal(boom.statusCode, 500);
  t.match(boom.json(), { code: 'INTERNAL_ERROR', message: 'Internal Server Error' });
  t.notMatch(boom.body, 'hunter2', 'internals never reach the client');
  t.equal((await app.inject({ url: '/unavailable' })).statusCode, 503);
  t.equal((await app.inject({ url: '/odd-status' })).statusCode, 500);
  t.match((await app.inject({ url: '/no-details?n=1' })).json(), { code: 'VALIDATION_ERROR', field: 'querystring', message: 'custom failure' });
  const v = async (url: string, payload: object = {}) => (await app.inject({ method: 'POST', url, payload })).json();
  t.match(await v('/v/none'), { field: 'body', message: 'handmade' });
  t.match(await v('/v/nested-missing'), { field: 'a.b', message: 'body/a.b is invalid' });
  t.match(await v('/v/nested-extra'), { field: 'a.z', message: 'body/a.z is not a known property' });
  t.match(await v('/v/bare'), { field: 'body', message: 'body is invalid' });
  t.match(await v('/v/max', { n: 10 }), { field: 'n', message: 'body/n is invalid' }, 'a small number is not a timestamp');
  t.match(await v('/v/max', { n: 1_800_000_000 }), { field: 'n', message: /absolute unix timestamp \(1800000000\).*at most 5/ });
});

t.test('ref() needs a schema with an $id', async (t) => {
  t.throws(() => ref({ type: 'string' } as never), /needs a schema with an \$id/);
});
