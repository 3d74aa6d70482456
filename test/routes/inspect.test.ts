/**
 * POST /v1/tokens/inspect through the whole app: what every minting route makes
 * comes back valid with its identity, bad tokens come back as 200 + problems,
 * text that is no token as a 400 in the one error shape, and the route asks for
 * credentials exactly like the minting routes.
 */
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { deflateSync } from 'node:zlib';
import { SignJWT } from 'jose';
import t from 'tap';
import { API_KEY, APP_CERTIFICATE, APP_ID, JWT_SECRET, build, nowUnix, secrets } from '../helper.js';

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
    // The token family.
    [
      'rtc with per-privilege lifetimes',
      '/v1/tokens/rtc',
      { channelName: 'stage', uid: 42, expireSeconds: 900, privileges: { joinChannel: 900, publishAudio: 300 } },
      { channelName: 'stage', uid: 42 },
      [{ type: 1, name: 'rtc', channelName: 'stage', uid: 42, privileges: [{ name: 'joinChannel', expiresInSeconds: Number }, { name: 'publishAudioStream' }] }],
    ],
    [
      'rtm with RTM 2 permissions',
      '/v1/tokens/rtm',
      { userId: 'alice', permissions: { messageChannels: { read: ['lobby'] }, users: { write: ['bob'] } } },
      { userAccount: 'alice' },
      [{ type: 8, name: 'rtm2', userId: 'alice', privileges: [{ name: 'login' }], permissions: [{ resource: 'messageChannels', permission: 'read', resources: ['lobby'] }, { resource: 'users', permission: 'write', resources: ['bob'] }] }],
    ],
    [
      'apaas room-user',
      '/v1/tokens/apaas',
      { roomUuid: 'class-101', userUuid: 'alice', role: 'teacher' },
      { channelName: 'class-101', userAccount: 'alice' },
      [{ name: 'rtm', userId: 'alice' }, { type: 5, name: 'chat' }, { type: 7, name: 'apaas', roomUuid: 'class-101', userUuid: 'alice', role: 1, privileges: [{ name: 'roomUser' }] }],
    ],
    ['apaas user', '/v1/tokens/apaas', { userUuid: 'alice' }, { userAccount: 'alice' }, [{ type: 7, name: 'apaas', roomUuid: '', userUuid: 'alice', privileges: [{ name: 'user' }] }]],
    ['apaas app', '/v1/tokens/apaas', {}, {}, [{ type: 7, name: 'apaas', roomUuid: '', userUuid: '', privileges: [{ name: 'app' }] }]],
    [
      'convoai agent',
      '/v1/tokens/convoai',
      { channelName: 'room', uid: 1001, rtmUserId: 'agent-1001' },
      { channelName: 'room', uid: 1001 },
      [{ name: 'rtc', uid: 1001, privileges: [{}, {}, {}, {}] }, { name: 'rtm', userId: 'agent-1001' }, { type: 9, name: 'convoai', privileges: [] }],
    ],
    [
      'stt bot',
      '/v1/tokens/stt',
      { channelName: 'room', userAccount: 'bot', role: 'subscriber' },
      { channelName: 'room', userAccount: 'bot' },
      [{ name: 'rtc', userAccount: 'bot', privileges: [{ name: 'joinChannel' }] }, { name: 'rtm', userId: 'bot' }, { type: 10, name: 'stt', privileges: [] }],
    ],
    ['fpa', '/v1/tokens/fpa', { expireSeconds: 600 }, {}, [{ type: 4, name: 'fpa', privileges: [{ name: 'login', expiresInSeconds: Number }] }]],
  ];
  for (const [what, url, body, expect, services] of cases) {
    const minted = await mint(url, body);
    const token = minted.token ?? minted.chatToken;
    const inspected = await inspect(token, expect);
    t.match(inspected, { valid: true, signature: 'valid', appIdMatches: true, services, problems: [] }, what);
    t.equal(inspected.services.length, (services as unknown[]).length, `${what}: every service, no more`);
  }
  // buildTokenWithRtm2's shape: one token, RTC for the account and RTM for its own user id, each with its lifetime.
  const rtm2Pair = await mint('/v1/tokens/rtc-rtm', {
    channelName: 'room',
    userAccount: 'carol',
    rtmUserId: 'carol-rtm',
    expireSeconds: 600,
    rtmExpireSeconds: 300,
    privileges: { joinChannel: 600 },
    combined: true,
  });
  t.equal(rtm2Pair.rtcToken, rtm2Pair.rtmToken, 'one token');
  const pairInspected = await inspect(rtm2Pair.rtcToken, { channelName: 'room', userAccount: 'carol' });
  t.match(pairInspected, {
    valid: true,
    problems: [],
    services: [
      { name: 'rtc', channelName: 'room', userAccount: 'carol', privileges: [{ name: 'joinChannel', expiresAtUnix: rtm2Pair.issuedAtUnix + 600 }] },
      { name: 'rtm', userId: 'carol-rtm', privileges: [{ name: 'login', expiresAtUnix: rtm2Pair.issuedAtUnix + 300 }] },
    ],
  });

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
  // Three apps in one process: build() keeps event-loop-delay shedding off (see test/helper.ts).
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

/** Raw 007 building blocks: tokens no Agora builder makes, as an attacker writes them. */
const u16 = (n: number) => Buffer.from([n & 0xff, n >> 8]);
const u32 = (n: number) => {
  const b = Buffer.alloc(4);
  b.writeUInt32LE(n >>> 0);
  return b;
};
const str = (s: string | Buffer) => Buffer.concat([u16(Buffer.byteLength(s)), Buffer.from(s)]);
const raw007 = (issueTs: number, services: Buffer[]) =>
  `007${deflateSync(Buffer.concat([str(randomBytes(32)), str(APP_ID), u32(issueTs), u32(600), u32(1), u16(services.length), ...services]), { level: 9 }).toString('base64')}`;
/** 8 privileges (the codec's cap) that ended 1 s after issue: each is an entry and a PRIVILEGE_EXPIRED problem. */
const eight = Buffer.concat([u16(8), ...Array.from({ length: 8 }, (_, i) => Buffer.concat([u16(i + 1), u32(1)]))]);

t.test('the answer stays small for any token: one service of each type, bounded lists', async (t) => {
  const app = await build(t, { SHED_MAX_EVENT_LOOP_DELAY_MS: '0' });
  const issued = nowUnix() - 100;
  // The reported attack: 498 copies of one RTC service in a 247-character token made a 976 KB answer.
  const copy = Buffer.concat([u16(1), u16(4), u16(1), u32(1), u16(2), u32(1), u16(3), u32(1), u16(4), u32(1), str(''), str('')]);
  const copies = raw007(issued, Array(498).fill(copy));
  t.ok(copies.length < 300);
  const refused = await app.inject(post('/v1/tokens/inspect', { token: copies, channelName: 'c1', uid: 5 }));
  t.match(refused.json(), { statusCode: 400, code: 'INVALID_TOKEN', field: 'token', message: /the rtc service \(type 1\) appears more than once/ });

  // Worst cases under the 4096-character cap. The bound: the content inflates to at most 16 KiB, and a byte of
  // text becomes at most 6 bytes of JSON (\u0001): 96 KiB; at most 10 services × 8 privileges, each an entry
  // (~150 B) and a problem (~300 B): 36 KiB; at most 8 × 8 RTM 2 lists (~110 B each): 7 KiB; messages quote
  // at most 64 characters of a name. Under 150 KiB in all, which the test holds every answer to.
  const BOUND = 150 * 1024;
  const budget = 16 * 1024 - 2 - 32 - 34 - 14;
  const control = (n: number) => '\u0001'.repeat(n);
  const lists = Buffer.concat([u16(8), ...Array.from({ length: 8 }, (_, r) => Buffer.concat([u16(r), u16(8), ...Array.from({ length: 8 }, (_, p) => Buffer.concat([u16(p), u16(0)]))]))]);
  const everyType = (name: string) => [
    Buffer.concat([u16(1), eight, str(name), str(name)]),
    Buffer.concat([u16(2), eight, str('bob\n')]),
    Buffer.concat([u16(3), eight, str('c\u202e'), str('x')]),
    Buffer.concat([u16(4), eight]),
    Buffer.concat([u16(5), eight, str('a b')]),
    Buffer.concat([u16(6), eight, str('c\u0007'), str('y')]),
    Buffer.concat([u16(7), eight, str('room'), str('user'), u16(2)]),
    Buffer.concat([u16(8), eight, str(' u'), lists]),
    Buffer.concat([u16(9), eight]),
    Buffer.concat([u16(10), eight]),
  ];
  const fixed = Buffer.concat(everyType('')).length;
  const shapes: Record<string, string> = {
    'one RTC service, its channel and uid all control characters': raw007(issued, [Buffer.concat([u16(1), u16(0), str(control(budget / 2 - 8)), str(control(budget / 2 - 8))])]),
    'every service type, 8 expired privileges each, 64 RTM 2 lists, names of control characters': raw007(issued, everyType(control((budget - fixed) / 2 - 8))),
  };
  let largest = 0;
  for (const [what, token] of Object.entries(shapes)) {
    t.ok(token.length <= 4096, `${what}: ${token.length} characters, under the cap`);
    const started = process.hrtime.bigint();
    const res = await app.inject(post('/v1/tokens/inspect', { token, channelName: 'c1', uid: 5 }));
    const ms = Number(process.hrtime.bigint() - started) / 1e6;
    t.equal(res.statusCode, 200, what);
    t.equal(res.json().valid, false, `${what}: explained, and refused`);
    t.ok(res.payload.length < BOUND, `${what}: ${res.payload.length} bytes in ${ms.toFixed(0)} ms, under ${BOUND}`);
    largest = Math.max(largest, res.payload.length);
  }
  t.comment(`largest answer: ${largest} bytes (bound ${BOUND})`);
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

t.test('the inspect grant: every caller has it by default; a services list without it is a 403 SERVICE_NOT_ALLOWED', async (t) => {
  const keys = { plain: 'plain-key-0123456789abcdefABCDEF', kiosk: 'kiosk-key-0123456789abcdefABCDEF', minter: 'minter-key-0123456789abcdefABCDEF', reader: 'reader-key-0123456789abcdefABCDEF' };
  for (const key of Object.values(keys)) secrets.add(key);
  const dir = t.testdir({
    keys: [`plain:${keys.plain}`, `kiosk:${keys.kiosk} channels=lobby`, `minter:${keys.minter} services=rtc,rtm`, `reader:${keys.reader} services=inspect`].join('\n'),
  });
  const app = await build(t, { AUTH_MODE: 'apiKey,jwt', API_KEYS_FILE: join(dir, 'keys'), JWT_SECRET, JWT_ISSUER: 'https://issuer.test/', JWT_AUDIENCE: 'tokens' });
  const jwt = (agora?: Record<string, unknown>) =>
    new SignJWT({ sub: 'alice', ...(agora && { agora }) })
      .setProtectedHeader({ alg: 'HS256' })
      .setIssuer('https://issuer.test/')
      .setAudience('tokens')
      .setExpirationTime('1m')
      .sign(new TextEncoder().encode(JWT_SECRET));
  const { token } = (await app.inject(post('/v1/tokens/rtc', { channelName: 'lobby', uid: 42 }, { 'x-api-key': keys.minter }))).json();
  const inspect = (headers: Record<string, string>) => app.inject(post('/v1/tokens/inspect', { token, channelName: 'lobby', uid: 42 }, headers));

  const granted: [string, Record<string, string>][] = [
    ['a key line without options', { 'x-api-key': keys.plain }],
    ['a channel-restricted key (inspection mints nothing, so channels= does not take it away)', { 'x-api-key': keys.kiosk }],
    ['a key granted inspect only', { 'x-api-key': keys.reader }],
    ['a JWT without a policy claim', { authorization: `Bearer ${await jwt()}` }],
    ['a channel-restricted JWT', { authorization: `Bearer ${await jwt({ channels: ['lobby'] })}` }],
    ['a JWT granted inspect only', { authorization: `Bearer ${await jwt({ services: ['inspect'] })}` }],
  ];
  for (const [who, headers] of granted) {
    const res = await inspect(headers);
    t.equal(res.statusCode, 200, who);
    t.match(res.json(), { valid: true, services: [{ name: 'rtc', uid: 42 }] }, who);
  }
  t.equal((await app.inject(post('/v1/tokens/rtc', { channelName: 'lobby', uid: 42 }, { 'x-api-key': keys.reader }))).statusCode, 403, 'inspect grants no minting');

  const denied: [string, Record<string, string>][] = [
    ['a key whose services= leaves inspect out', { 'x-api-key': keys.minter }],
    ['a JWT whose services leave inspect out', { authorization: `Bearer ${await jwt({ services: ['rtc', 'rtm'] })}` }],
  ];
  for (const [who, headers] of denied) {
    const res = await inspect(headers);
    t.equal(res.statusCode, 403, who);
    t.same(Object.keys(res.json()).sort(), ['code', 'error', 'message', 'requestId', 'statusCode'], `${who}: the one error shape, no field`);
    t.match(res.json(), { statusCode: 403, error: 'Forbidden', code: 'SERVICE_NOT_ALLOWED', message: /may not inspect tokens/ }, who);
    // The same refusal a token type the caller lacks gets on a minting route.
    const mint = await app.inject(post('/v1/tokens/chat', { userId: 'alice' }, headers));
    t.match(mint.json(), { statusCode: 403, code: 'SERVICE_NOT_ALLOWED' }, `${who}: chat is refused alike`);
  }
});
