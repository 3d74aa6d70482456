/**
 * POST /v1/tokens/inspect through the whole app: what every minting route makes
 * comes back valid with its identity, bad tokens come back as 200 + problems,
 * text that is no token as a 400 in the one error shape, and the route asks for
 * credentials exactly like the minting routes.
 */
import t from 'tap';
import { API_KEY, APP_CERTIFICATE, APP_ID, build, nowUnix } from '../helper.js';

const post = (url: string, payload: unknown, headers: Record<string, string> = {}) => ({
  method: 'POST' as const,
  url,
  headers: { 'content-type': 'application/json', ...headers },
  payload: JSON.stringify(payload),
});

t.test('every token every route mints comes back valid, with its identity', async (t) => {
  const app = await build(t);
  const mint = async (url: string, body: unknown) => {
    const res = await app.inject(url.startsWith('/v1') ? post(url, body) : { method: 'GET', url });
    t.equal(res.statusCode, 200, url);
    return res.json();
  };
  const inspect = async (token: string, expect: Record<string, unknown> = {}) => {
    const res = await app.inject(post('/v1/tokens/inspect', { token, ...expect }));
    t.equal(res.statusCode, 200);
    t.equal(res.headers['cache-control'], 'private, no-cache, no-store, must-revalidate', 'an inspection is never cached');
    t.notMatch(res.body, APP_CERTIFICATE);
    return res.json();
  };
  const before = nowUnix();

  const rtc = await mint('/v1/tokens/rtc', { channelName: 'room', uid: 42, role: 'publisher', expireSeconds: 600 });
  const i = await inspect(rtc.token, { channelName: 'room', uid: 42 });
  t.match(i, { valid: true, version: '007', appId: APP_ID, appIdMatches: true, signature: 'valid', signatureValid: true, problems: [] });
  t.equal(i.issuedAtUnix, rtc.issuedAtUnix);
  t.equal(i.expiresAtUnix, rtc.expiresAtUnix);
  t.equal(i.expiresAt, rtc.expiresAt);
  t.ok(i.expiresInSeconds <= 600 && i.expiresInSeconds >= 600 - (nowUnix() - before) - 1);
  t.match(i.services, [{ type: 1, name: 'rtc', channelName: 'room', uid: 42, privileges: [{ name: 'joinChannel', expiresAtUnix: rtc.expiresAtUnix }, {}, {}, {}] }]);

  const cases: [string, string, unknown, Record<string, unknown>, unknown][] = [
    ['rtc account 006', '/v1/tokens/rtc', { channelName: 'room', userAccount: 'alice', version: '006' }, { channelName: 'room', userAccount: 'alice' }, [{ name: 'rtc', channelName: 'room', userAccount: 'alice' }]],
    ['rtm 007', '/v1/tokens/rtm', { userId: 'alice' }, { userAccount: 'alice' }, [{ type: 2, name: 'rtm', userId: 'alice', privileges: [{ name: 'login' }] }]],
    ['rtm 006', '/v1/tokens/rtm', { userId: 'alice', version: '006' }, { userAccount: 'alice' }, [{ type: 2, name: 'rtm', userId: 'alice', privileges: [{ name: 'rtmLogin' }] }]],
    ['chat user', '/v1/tokens/chat', { userId: 'carol' }, {}, [{ type: 5, name: 'chat', userId: 'carol', privileges: [{ name: 'user' }] }]],
    ['chat app', '/v1/tokens/chat', {}, {}, [{ type: 5, name: 'chat', userId: '', privileges: [{ name: 'app' }] }]],
    ['compat access_token (006)', '/access_token?channelName=room&uid=7', null, { channelName: 'room', uid: 7 }, [{ name: 'rtc', channelName: 'room', uid: 7 }]],
    ['compat chat app', '/chat/app', null, {}, [{ name: 'chat', userId: '' }]],
  ];
  for (const [what, url, body, expect, services] of cases) {
    const minted = await mint(url, body);
    const token = minted.token ?? minted.chatToken;
    t.match(await inspect(token, expect), { valid: true, signature: 'valid', appIdMatches: true, services }, what);
  }

  const pair = await mint('/v1/tokens/rtc-rtm', { channelName: 'room', uid: 42, rtmUserId: 'bob' });
  t.match(await inspect(pair.rtcToken, { channelName: 'room', uid: 42 }), { valid: true, services: [{ name: 'rtc', uid: 42 }] });
  t.match(await inspect(pair.rtmToken, { userAccount: 'bob' }), { valid: true, services: [{ name: 'rtm', userId: 'bob' }] });
  const combined = await mint('/v1/tokens/rtc-rtm', { channelName: 'room', userAccount: 'alice', combined: true });
  t.match(await inspect(combined.rtcToken, { channelName: 'room', userAccount: 'alice' }), {
    valid: true,
    services: [{ name: 'rtc', userAccount: 'alice' }, { name: 'rtm', userId: 'alice' }],
  });
});

t.test('a token that decodes but would be refused: 200 with the problems, in plain words', async (t) => {
  const app = await build(t);
  const other = await build(t, { APP_ID: 'abcdefabcdefabcdefabcdefabcdef12' });
  const otherCert = await build(t, { APP_CERTIFICATE: '00000000000000000000000000000001' });
  const mint = async (a: typeof app, body: unknown) => (await a.inject(post('/v1/tokens/rtc', body))).json().token as string;
  const inspect = async (token: string, expect: Record<string, unknown> = {}) => {
    const res = await app.inject(post('/v1/tokens/inspect', { token, ...expect }));
    t.equal(res.statusCode, 200);
    return res.json();
  };

  // The "110 invalid token" trap. Both libraries write uid 1234 and the account "1234" as the same bytes, so a
  // digits-only account is only a warning; an account that is no canonical uid ("01234", "0") never matches one.
  const padded = await mint(app, { channelName: 'room', userAccount: '01234' });
  t.match(await inspect(padded, { channelName: 'room', uid: 1234 }), {
    valid: false,
    services: [{ userAccount: '01234' }],
    problems: [{ code: 'ACCOUNT_TOKEN_USED_WITH_UID', severity: 'error', service: 'rtc', message: /user account "01234", but the app joins with the integer uid 1234.*error 110/ }],
  });
  const digits = await mint(app, { channelName: 'room', userAccount: '1234' });
  t.match(await inspect(digits, { channelName: 'room', uid: 1234 }), { valid: true, services: [{ uid: 1234 }], problems: [] });
  t.match(await inspect(digits, { channelName: 'room', userAccount: '1234' }), {
    valid: true,
    problems: [{ code: 'DIGITS_ACCOUNT', severity: 'warning', message: /Agora treats them as different users/ }],
  });
  const uid = await mint(app, { channelName: 'room', uid: 42 });
  t.match((await inspect(uid, { userAccount: 'alice' })).problems, [{ code: 'UID_TOKEN_USED_WITH_ACCOUNT' }]);
  t.match((await inspect(uid, { channelName: 'hall', uid: 43 })).problems, [{ code: 'CHANNEL_MISMATCH' }, { code: 'UID_MISMATCH' }]);
  t.match((await inspect(await mint(app, { channelName: 'room', uid: 0 }))).problems, [{ code: 'WILDCARD_UID', severity: 'warning' }]);

  const foreign = await inspect(await mint(other, { channelName: 'room', uid: 42 }));
  t.match(foreign, { valid: false, appId: 'abcdefabcdefabcdefabcdefabcdef12', appIdMatches: false, problems: [{ code: 'APP_ID_MISMATCH' }] });
  const forged = await inspect(await mint(otherCert, { channelName: 'room', uid: 42 }));
  t.match(forged, { valid: false, appIdMatches: true, signature: 'invalid', signatureValid: false, problems: [{ code: 'SIGNATURE_INVALID' }] });
  t.notMatch(JSON.stringify(forged), /certificate [0-9a-f]{4}|fedcba|00000000000000000000000000000001/i, 'no hint of either certificate');
});

t.test('expiry is judged at the server clock', async (t) => {
  let now = 1_790_000_000;
  const app = await build(t, {}, { now: () => now });
  const { token } = (await app.inject(post('/v1/tokens/rtc', { channelName: 'room', uid: 42, expireSeconds: 600, privilegeExpireSeconds: 60 }))).json();
  now += 120;
  const early = (await app.inject(post('/v1/tokens/inspect', { token }))).json();
  t.match(early, { expired: false, expiresInSeconds: 480, services: [{ privileges: [{ name: 'joinChannel', expired: true, expiresInSeconds: -60 }] }] });
  t.match(early.problems, [{ code: 'PRIVILEGE_EXPIRED', privilege: 'joinChannel' }]);
  now += 600;
  const late = (await app.inject(post('/v1/tokens/inspect', { token }))).json();
  t.match(late, { valid: false, expired: true, expiresInSeconds: -120, expiresAt: new Date((1_790_000_000 + 600) * 1000).toISOString() });
  t.match(late.problems[0], { code: 'TOKEN_EXPIRED', message: /2 min ago/ });
});

t.test('input that is no token, or malformed: 400 in the one error shape, naming the field', async (t) => {
  const app = await build(t);
  const { token } = (await app.inject(post('/v1/tokens/rtc', { channelName: 'room', uid: 42 }))).json();
  const cases: [string, unknown, string, string | RegExp][] = [
    ['not a token', { token: 'hello' }, 'token', /^body\/token is not an Agora token: an Agora token starts with 006 or 007/],
    ['damaged', { token: `${token.slice(0, 40)}` }, 'token', /^body\/token is not an Agora token: /],
    ['too long', { token: `007${'A'.repeat(4096)}` }, 'token', 'body/token must NOT have more than 4096 characters'],
    ['empty', { token: '' }, 'token', /body\/token/],
    ['missing', {}, 'token', /token/],
    ['uid as a string is not coerced', { token, uid: '42' }, 'uid', /body\/uid must be integer/],
    ['uid out of range', { token, uid: 2 ** 32 }, 'uid', /body\/uid/],
    ['channel with characters Agora refuses', { token, channelName: 'a/b' }, 'channelName', /body\/channelName/],
    ['uid and userAccount together', { token, uid: 1, userAccount: 'a' }, 'uid', /uid.*userAccount/],
    ['unknown field', { token, role: 'publisher' }, 'role', /role/],
  ];
  for (const [what, body, field, message] of cases) {
    const res = await app.inject(post('/v1/tokens/inspect', body));
    t.equal(res.statusCode, 400, what);
    t.match(res.json(), { statusCode: 400, error: 'Bad Request', code: String, field, message, requestId: String }, what);
  }
});

t.test('credentials: required exactly as for minting, never echoed', async (t) => {
  const app = await build(t, { AUTH_MODE: 'apiKey', API_KEYS: `ops:${API_KEY}` });
  const { token } = (await app.inject(post('/v1/tokens/rtc', { channelName: 'room', uid: 42 }, { 'x-api-key': API_KEY }))).json();
  const anonymous = await app.inject(post('/v1/tokens/inspect', { token }));
  t.equal(anonymous.statusCode, 401);
  t.match(anonymous.json(), { code: 'MISSING_CREDENTIALS' });
  t.equal((await app.inject(post('/v1/tokens/inspect', { token }, { 'x-api-key': 'wrong-key-0123456789abcdefABCDEF' }))).statusCode, 401);
  for (const headers of [{ 'x-api-key': API_KEY }, { authorization: `Bearer ${API_KEY}` }] as Record<string, string>[]) {
    const res = await app.inject(post('/v1/tokens/inspect', { token }, headers));
    t.equal(res.statusCode, 200);
    t.match(res.json(), { valid: true, signature: 'valid' });
    t.notMatch(res.body, API_KEY);
  }
});
