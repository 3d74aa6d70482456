/**
 * JSON bodies are validated as typed, never coerced (issue 9, item 9): every
 * body-taking route answers a wrong JSON type with a 400 naming the field, and
 * never mints from a value that only looks like the right type.
 */
import t from 'tap';
import { build } from '../helper.js';

const post = (url: string, payload: unknown) => ({
  method: 'POST' as const,
  url,
  headers: { 'content-type': 'application/json' },
  payload: JSON.stringify(payload),
});

/** Values of the wrong JSON type that a coercing validator would turn into a number. */
const NOT_INTEGERS: unknown[] = [null, false, true, '0x10', '1e3', ' 12 ', '12', '', [7], { n: 1 }, 1.5];
/** Values of the wrong JSON type that a coercing validator would turn into a string. */
const NOT_STRINGS: unknown[] = [['demo'], 123, true, null, { a: 'b' }];

t.test('v1 bodies: wrong JSON types are 400s naming the field', async (t) => {
  const app = await build(t);
  const cases: [string, Record<string, unknown>, string, unknown[]][] = [
    ['/v1/tokens/rtc', { channelName: 'c' }, 'uid', NOT_INTEGERS],
    ['/v1/tokens/rtc', { uid: 1 }, 'channelName', NOT_STRINGS],
    ['/v1/tokens/rtc', { channelName: 'c' }, 'userAccount', NOT_STRINGS],
    ['/v1/tokens/rtc', { channelName: 'c', uid: 1 }, 'expireSeconds', [...NOT_INTEGERS, '3600']],
    ['/v1/tokens/rtc', { channelName: 'c', uid: 1 }, 'privilegeExpireSeconds', ['60', true]],
    ['/v1/tokens/rtc', { channelName: 'c', uid: 1 }, 'role', [['publisher'], 1]],
    ['/v1/tokens/rtc', { channelName: 'c', uid: 1 }, 'version', [7, 6, ['007']]],
    ['/v1/tokens/rtm', {}, 'userId', NOT_STRINGS],
    ['/v1/tokens/rtm', { userId: 'alice' }, 'expireSeconds', ['60', true, null]],
    ['/v1/tokens/rtc-rtm', { channelName: 'c' }, 'uid', NOT_INTEGERS],
    ['/v1/tokens/rtc-rtm', { channelName: 'c', uid: 1 }, 'rtmUserId', NOT_STRINGS],
    ['/v1/tokens/rtc-rtm', { channelName: 'c', uid: 1 }, 'combined', ['true', 1, 0, null, [true]]],
    ['/v1/tokens/chat', {}, 'userId', NOT_STRINGS],
    ['/v1/tokens/chat', {}, 'expireSeconds', [true, '60', [60]]],
  ];
  for (const [url, base, field, values] of cases) {
    for (const value of values) {
      const res = await app.inject(post(url, { ...base, [field]: value }));
      const label = `${url} ${field}: ${JSON.stringify(value)}`;
      t.equal(res.statusCode, 400, label);
      t.match(res.json(), { statusCode: 400, code: 'VALIDATION_ERROR', field, message: new RegExp(`^body/${field} must be`) }, label);
    }
  }
});

t.test('POST /getToken: wrong JSON types are 400s naming the field', async (t) => {
  const app = await build(t);
  const base = { tokenType: 'rtc', channel: 'demo', uid: '42' };
  const cases: [string, unknown[]][] = [
    ['uid', [42, 0, true, null, ['42']]],
    ['channel', NOT_STRINGS],
    ['expire', [true, '600', '1e3', null, [600]]],
    ['tokenType', [['rtc'], 1]],
    ['role', [['publisher'], true]],
  ];
  for (const [field, values] of cases) {
    for (const value of values) {
      const res = await app.inject(post('/getToken', { ...base, [field]: value }));
      const label = `${field}: ${JSON.stringify(value)}`;
      t.equal(res.statusCode, 400, label);
      t.match(res.json(), { statusCode: 400, field }, label);
    }
  }
});

t.test('query strings and path parameters still parse strictly', async (t) => {
  const app = await build(t);
  t.equal((await app.inject('/rtc/demo/publisher/uid/42?expiry=600')).statusCode, 200);
  for (const url of ['/rtc/demo/publisher/uid/0x10', '/rtc/demo/publisher/uid/1e3', '/rtc/demo/publisher/uid/%2012%20', '/rtc/demo/publisher/uid/42?expiry=1e3', '/rtc/demo/publisher/uid/42?expiry=600&expiry=600', '/access_token?channelName=demo&uid=0x10']) {
    const res = await app.inject(url);
    t.equal(res.statusCode, 400, url);
    t.match(res.json(), { statusCode: 400, field: String }, url);
  }
});
