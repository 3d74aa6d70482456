/**
 * Property test over random requests: whatever arrives, the answer is a 2xx with
 * a token that decodes, or a 4xx in the one error shape. Never a 5xx.
 */
import fc from 'fast-check';
import t from 'tap';
import { decodeOrThrow } from '../../src/tokens/codec.js';
import { build } from '../helper.js';

const ERROR_KEYS = ['code', 'error', 'message', 'requestId', 'statusCode'];

const anyValue = fc.oneof(
  fc.string({ maxLength: 80 }),
  fc.string({ unit: fc.constantFrom(...'abcXYZ019 !#$%&()+-:;<=.>?@[]^_{}|~,'), maxLength: 70 }),
  fc.integer(),
  fc.integer({ min: 0, max: 2 ** 32 + 10 }),
  fc.double(),
  fc.boolean(),
  fc.constant(null),
  fc.constantFrom('publisher', 'subscriber', 'audience', '006', '007', 'rtc', 'rtm', 'chat', 0, 1795850353, 86_400, ''),
  fc.array(fc.integer(), { maxLength: 2 }),
);

const bodyArb = fc.dictionary(
  fc.constantFrom('channelName', 'uid', 'userAccount', 'role', 'expireSeconds', 'privilegeExpireSeconds', 'version', 'userId', 'rtmUserId', 'combined', 'tokenType', 'channel', 'expire', 'other'),
  anyValue,
  { maxKeys: 7 },
);

const segment = fc.oneof(
  fc.constantFrom('publisher', 'subscriber', 'audience', 'uid', 'userAccount', '0', '42', 'demo', '4294967296', '%20', '..', '%2F'),
  fc.string({ unit: fc.constantFrom(...'abc019 %-_.~'), minLength: 1, maxLength: 12 }).map(encodeURIComponent),
);

function assertSane(status: number, body: string): boolean {
  if (status >= 500) return false;
  const json = JSON.parse(body) as Record<string, unknown>;
  if (status >= 400) return Object.keys(json).filter((k) => k !== 'field').sort().join() === ERROR_KEYS.join() && json.statusCode === status;
  for (const key of ['token', 'rtcToken', 'rtmToken', 'chatToken']) {
    if (typeof json[key] === 'string') decodeOrThrow(json[key] as string);
  }
  return status === 200;
}

t.test('random JSON bodies on every POST route', async (t) => {
  const app = await build(t);
  await fc.assert(
    fc.asyncProperty(fc.constantFrom('/v1/tokens/rtc', '/v1/tokens/rtm', '/v1/tokens/rtc-rtm', '/v1/tokens/chat', '/getToken'), bodyArb, async (url, body) => {
      const res = await app.inject({ method: 'POST', url, headers: { 'content-type': 'application/json' }, payload: JSON.stringify(body) });
      return assertSane(res.statusCode, res.body);
    }),
    { numRuns: 400 },
  );
  t.pass('400 random bodies, no 5xx');
});

t.test('random paths and queries on the GET routes', async (t) => {
  const app = await build(t);
  await fc.assert(
    fc.asyncProperty(
      fc.constantFrom('rtc', 'rte', 'rtm', 'chat', 'access_token', 'chat/account', 'ping'),
      fc.array(segment, { maxLength: 6 }),
      fc.option(fc.constantFrom('expiry', 'expireTime', 'version', 'channelName', 'uid', 'role')),
      fc.option(segment),
      async (head, segs, qk, qv) => {
        const query = qk ? `?${qk}=${qv ?? ''}` : '';
        const res = await app.inject(`/${head}/${segs.join('/')}${query}`);
        return assertSane(res.statusCode, res.body);
      },
    ),
    { numRuns: 400 },
  );
  t.pass('400 random URLs, no 5xx');
});
