import t, { type Test } from 'tap';
import { decode006, decode007, verify006, verify007 } from '../../src/tokens/codec.js';
import { APP_CERTIFICATE, APP_ID, build, nowUnix } from '../helper.js';

const post = (url: string, payload: unknown) => ({
  method: 'POST' as const,
  url,
  headers: { 'content-type': 'application/json' },
  payload: JSON.stringify(payload),
});

function assertNoStore(t: Test, headers: Record<string, unknown>) {
  t.equal(headers['cache-control'], 'private, no-cache, no-store, must-revalidate');
  t.equal(headers.pragma, 'no-cache');
  t.equal(headers.expires, '-1');
}

t.test('POST /v1/tokens/rtc mints what was asked (007 default)', async (t) => {
  const app = await build(t);
  const before = nowUnix();
  const res = await app.inject(post('/v1/tokens/rtc', { channelName: 'demo-room', uid: 1234, role: 'publisher', expireSeconds: 600 }));
  t.equal(res.statusCode, 200);
  assertNoStore(t, res.headers);
  const body = res.json();
  t.match(body, { version: '007', channelName: 'demo-room', uid: 1234, role: 'publisher' });
  t.notOk('userAccount' in body);
  const d = decode007(body.token);
  t.ok(verify007(d, APP_CERTIFICATE), 'signed with the configured certificate');
  t.equal(d.appId, APP_ID);
  t.ok(d.issueTs >= before && d.issueTs <= nowUnix());
  t.equal(d.expire, 600);
  t.same(d.services, [{ type: 1, name: 'rtc', privileges: { 1: 600, 2: 600, 3: 600, 4: 600 }, channelName: 'demo-room', uid: '1234' }]);
  t.equal(body.issuedAtUnix, d.issueTs);
  t.equal(body.expiresAtUnix, d.issueTs + 600);
  t.equal(body.issuedAt, new Date(d.issueTs * 1000).toISOString());
  t.equal(body.expiresAt, new Date((d.issueTs + 600) * 1000).toISOString());
});

t.test('defaults: subscriber, TOKEN_TTL_DEFAULT, version 007', async (t) => {
  const app = await build(t, { TOKEN_TTL_DEFAULT: '1200' });
  const res = await app.inject(post('/v1/tokens/rtc', { channelName: 'c', userAccount: 'alice' }));
  t.equal(res.statusCode, 200);
  const body = res.json();
  t.match(body, { role: 'subscriber', version: '007', userAccount: 'alice' });
  const d = decode007(body.token);
  t.equal(d.expire, 1200);
  t.same(d.services[0]?.privileges, { 1: 1200 });
  t.equal(d.services[0]?.uid, 'alice');
});

t.test('version 006 RTC', async (t) => {
  const app = await build(t);
  const res = await app.inject(post('/v1/tokens/rtc', { channelName: 'c', uid: 0, version: '006', expireSeconds: 100 }));
  t.equal(res.statusCode, 200);
  const body = res.json();
  const d = decode006(body.token);
  t.ok(verify006(d, APP_CERTIFICATE, 'c', ''), 'wildcard uid 0 signs the empty uid');
  t.same(d.privileges, { 1: body.expiresAtUnix });
  t.equal(body.expiresAtUnix - body.issuedAtUnix, 100);
});

t.test('privilegeExpireSeconds (007)', async (t) => {
  const app = await build(t);
  const res = await app.inject(post('/v1/tokens/rtc', { channelName: 'c', uid: 5, expireSeconds: 600, privilegeExpireSeconds: 60 }));
  const d = decode007(res.json().token);
  t.equal(d.expire, 600);
  t.same(d.services[0]?.privileges, { 1: 60 });
  t.equal(res.json().expiresAtUnix - res.json().issuedAtUnix, 60);
});

t.test('POST /v1/tokens/rtm', async (t) => {
  const app = await build(t);
  for (const version of ['006', '007'] as const) {
    const res = await app.inject(post('/v1/tokens/rtm', { userId: 'alice', expireSeconds: 300, version }));
    t.equal(res.statusCode, 200);
    assertNoStore(t, res.headers);
    const body = res.json();
    t.match(body, { userId: 'alice', version });
    if (version === '007') {
      const d = decode007(body.token);
      t.same(d.services, [{ type: 2, name: 'rtm', privileges: { 1: 300 }, userId: 'alice' }]);
      t.ok(verify007(d, APP_CERTIFICATE));
    } else {
      const d = decode006(body.token);
      t.same(d.privileges, { 1000: body.expiresAtUnix });
      t.ok(verify006(d, APP_CERTIFICATE, 'alice', ''));
    }
  }
});

t.test('RTM defaults: 007, TOKEN_TTL_DEFAULT', async (t) => {
  const app = await build(t);
  const body = (await app.inject(post('/v1/tokens/rtm', { userId: 'alice' }))).json();
  t.equal(body.version, '007');
  t.equal(decode007(body.token).expire, 3600);
});

t.test('POST /v1/tokens/rtc-rtm: two tokens, or one combined', async (t) => {
  const app = await build(t);
  const two = await app.inject(post('/v1/tokens/rtc-rtm', { channelName: 'c', uid: 77, role: 'publisher' }));
  t.equal(two.statusCode, 200);
  const b2 = two.json();
  t.match(b2, { combined: false, rtmUserId: '77', uid: 77, role: 'publisher', version: '007' });
  t.same(decode007(b2.rtcToken).services.map((s) => s.name), ['rtc']);
  t.same(decode007(b2.rtmToken).services.map((s) => [s.name, s.userId]), [['rtm', '77']]);

  const one = await app.inject(post('/v1/tokens/rtc-rtm', { channelName: 'c', userAccount: 'al', rtmUserId: 'al2', combined: true, expireSeconds: 90 }));
  t.equal(one.json().expiresAtUnix - one.json().issuedAtUnix, 90);
  const b1 = one.json();
  t.equal(b1.rtcToken, b1.rtmToken);
  t.match(b1, { combined: true, userAccount: 'al', rtmUserId: 'al2' });
  t.same(decode007(b1.rtcToken).services.map((s) => s.name), ['rtc', 'rtm']);

  const six = await app.inject(post('/v1/tokens/rtc-rtm', { channelName: 'c', uid: 3, version: '006', combined: true }));
  t.equal(six.statusCode, 400);
  t.match(six.json(), { code: 'VALIDATION_ERROR', field: 'combined' });
});

t.test('POST /v1/tokens/chat: user and app tokens', async (t) => {
  const app = await build(t);
  const user = await app.inject(post('/v1/tokens/chat', { userId: 'alice', expireSeconds: 60 }));
  t.equal(user.statusCode, 200);
  t.match(user.json(), { kind: 'user', userId: 'alice', version: '007' });
  t.same(decode007(user.json().token).services, [{ type: 5, name: 'chat', privileges: { 1: 60 }, userId: 'alice' }]);
  const appTok = await app.inject(post('/v1/tokens/chat', {}));
  t.equal(appTok.statusCode, 200);
  t.match(appTok.json(), { kind: 'app' });
  t.notOk('userId' in appTok.json());
  t.same(decode007(appTok.json().token).services[0]?.privileges, { 2: 3600 });
});

t.test('validation errors: 400 in the one shape, naming the field', async (t) => {
  const app = await build(t, { TOKEN_TTL_MAX: '7200' });
  const cases: [string, unknown, string, RegExp][] = [
    ['/v1/tokens/rtc', { uid: 1 }, 'channelName', /required property 'channelName'/],
    ['/v1/tokens/rtc', { channelName: 'c' }, 'uid', /exactly one/],
    ['/v1/tokens/rtc', { channelName: 'c', uid: 1, userAccount: 'a' }, 'uid', /exactly one/],
    ['/v1/tokens/rtc', { channelName: 'bad/name', uid: 1 }, 'channelName', /must match pattern/],
    ['/v1/tokens/rtc', { channelName: 'x'.repeat(64), uid: 1 }, 'channelName', /must NOT have more than 63 characters/],
    ['/v1/tokens/rtc', { channelName: 'c', uid: 4294967296 }, 'uid', /must be <= 4294967295/],
    ['/v1/tokens/rtc', { channelName: 'c', uid: -1 }, 'uid', /must be >= 0/],
    ['/v1/tokens/rtc', { channelName: 'c', uid: 1, role: 'admin' }, 'role', /must be equal to one of the allowed values/],
    ['/v1/tokens/rtc', { channelName: 'c', uid: 1, expireSeconds: 7201 }, 'expireSeconds', /must be <= 7200/],
    ['/v1/tokens/rtc', { channelName: 'c', uid: 1, expireSeconds: 1795850353 }, 'expireSeconds', /absolute unix timestamp/],
    ['/v1/tokens/rtc', { channelName: 'c', uid: 1, expireSeconds: 60, privilegeExpireSeconds: 61 }, 'privilegeExpireSeconds', /from 1 to 60/],
    ['/v1/tokens/rtc', { channelName: 'c', uid: 1, version: '006', privilegeExpireSeconds: 30 }, 'privilegeExpireSeconds', /only supported by version 007/],
    ['/v1/tokens/rtc', { channelName: 'c', uid: 1, extra: true }, 'extra', /not a known property/],
    ['/v1/tokens/rtm', { userId: ' lead' }, 'userId', /must match pattern/],
    ['/v1/tokens/rtc-rtm', { channelName: 'c', uid: 0 }, 'rtmUserId', /required when the RTC user is the wildcard 0/],
    ['/v1/tokens/chat', { userId: 'has space' }, 'userId', /must match pattern/],
  ];
  for (const [url, payload, field, message] of cases) {
    const res = await app.inject(post(url, payload));
    t.equal(res.statusCode, 400, `${url} ${JSON.stringify(payload)}`);
    const body = res.json();
    t.match(body, { statusCode: 400, error: 'Bad Request', field, message }, `${field}: ${body.message}`);
    t.equal(body.requestId, res.headers['x-request-id']);
  }
});
