/**
 * JSON bodies: `__proto__`/`constructor` keys and repeated keys are refused with a 400
 * naming the key (a proxy reading the first of two keys and this server the last would
 * judge different requests), at any depth and in any spelling of the key.
 */
import t from 'tap';
import { findKeyProblem, parseJsonBody } from '../../src/plugins/json-body.js';
import { decode007 } from '../../src/tokens/codec.js';
import { build } from '../helper.js';
import { exchange, listen, parseResponse } from '../support/raw-http.js';

const post = (url: string, payload: string) => ({ method: 'POST' as const, url, headers: { 'content-type': 'application/json' }, payload });

t.test('__proto__ and constructor: FORBIDDEN_JSON_KEY naming the key, not "not valid JSON"', async (t) => {
  const app = await build(t);
  for (const [body, key] of [
    ['{"channelName":"c","__proto__":{"uid":1}}', '__proto__'],
    ['{"channelName":"c","constructor":{"prototype":{"x":1}}}', 'constructor'],
    ['{"channelName":"c","constructor":1}', 'constructor'],
    ['{"channelName":"c","privileges":{"\\u005f_proto__":{}}}', '__proto__'],
    ['{"channelName":"c","list":[{"a":1},{"constructor":{}}]}', 'constructor'],
  ] as const) {
    const res = await app.inject(post('/v1/tokens/rtc', body));
    t.equal(res.statusCode, 400, body);
    t.match(res.json(), { code: 'FORBIDDEN_JSON_KEY', field: key, message: new RegExp(`"${key}"`) }, body);
  }
  const value = await app.inject(post('/v1/tokens/rtc', '{"channelName":"__proto__","uid":5}'));
  t.equal(value.statusCode, 200, 'the same text as a value is just a string');
  t.match(decode007(value.json().token).services[0], { channelName: '__proto__', uid: '5' });
});

t.test('a repeated key: DUPLICATE_JSON_KEY naming it, on every JSON route, however it is spelled', async (t) => {
  const app = await build(t);
  for (const [url, body, key] of [
    ['/v1/tokens/rtc', '{"channelName":"c","uid":5,"uid":7}', 'uid'],
    ['/v1/tokens/rtc', '{"channelName":"c","uid":5,"\\u0075id":7}', 'uid'],
    ['/v1/tokens/rtc', '{"channelName":"a","channelName":"a"}', 'channelName'],
    ['/v1/tokens/rtm', '{"userId":"a","expireSeconds":60,"expireSeconds":600}', 'expireSeconds'],
    ['/getToken', '{"tokenType":"rtc","channel":"c","uid":"5","uid":"7"}', 'uid'],
  ] as const) {
    const res = await app.inject(post(url, body));
    t.equal(res.statusCode, 400, body);
    t.match(res.json(), { code: 'DUPLICATE_JSON_KEY', field: key, message: new RegExp(`"${key}" appears twice`) }, body);
  }
  const ok = await app.inject(post('/v1/tokens/rtc', '{"channelName":"c","uid":5,"x":{"uid":1}}'));
  t.match(ok.json(), { code: 'VALIDATION_ERROR' }, 'the same key in another object is no repeat (here: an unknown property)');
});

t.test('over a real socket: the duplicate never reaches the minter', async (t) => {
  const app = await build(t);
  const port = await listen(t, app);
  const body = '{"channelName":"c","uid":5,"uid":7}';
  const res = parseResponse(await exchange(port, `POST /v1/tokens/rtc HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\nConnection: close\r\n\r\n${body}`));
  t.equal(res?.status, 400);
  t.match(JSON.parse(res?.body ?? '{}'), { code: 'DUPLICATE_JSON_KEY', field: 'uid' });
});

t.test('invalid and empty JSON keep their codes', async (t) => {
  const app = await build(t);
  t.match((await app.inject(post('/v1/tokens/rtc', '{"channelName":'))).json(), { statusCode: 400, code: 'INVALID_JSON' });
  t.match((await app.inject(post('/v1/tokens/rtc', ''))).json(), { statusCode: 400, code: 'EMPTY_BODY' });
});

t.test('findKeyProblem on its own', async (t) => {
  t.equal(findKeyProblem('{"a":1,"b":[1,"a",{"a":2}],"c":{"a":{"a":3}},"d":"a\\"b","e":"}"}'), undefined, 'nesting, strings with quotes and braces');
  t.same(findKeyProblem('{"a":[{"b":1,"b":2}]}'), { problem: 'duplicate', key: 'b' });
  t.same(findKeyProblem('{"a\\"b":1,"a\\"b":2}'), { problem: 'duplicate', key: 'a"b' });
  t.same(findKeyProblem('{"a\\nb":1,"a\\u000ab":2}'), { problem: 'duplicate', key: 'a\nb' }, 'escapes decoded');
  t.same(findKeyProblem('[{"x":1},{"x":1}]'), undefined, 'two objects, each with one x');
  t.same(findKeyProblem('{"x":{},"y":{}, "x" : 1}'), { problem: 'duplicate', key: 'x' }, 'whitespace, empty objects in between');
  t.equal(findKeyProblem('"plain"'), undefined);
  t.same(parseJsonBody('{"a":1}'), { a: 1 });
  t.same(parseJsonBody('\ufeff{"a":1}'), { a: 1 }, 'a leading BOM is ignored, as before');
});
