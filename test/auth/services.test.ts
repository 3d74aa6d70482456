/**
 * Per-key rules cover every token type on every minting route: one list of
 * services per key, app-level tokens and the wildcard uid only when granted.
 */
import { join } from 'node:path';
import t from 'tap';
import { sha256 } from '../../src/auth/api-keys.js';
import { decode006, decode007, verify006 } from '../../src/tokens/codec.js';
import { APP_CERTIFICATE, baseEnv, build, logLines, secrets } from '../helper.js';
import { loadConfig } from '../../src/config.js';

const KIOSK = 'kiosk-key-0123456789abcdefABCDEF';
const BACKEND = 'backend-key-0123456789abcdefABCDEF';
const ADMIN = 'admin-key-0123456789abcdefABCDEF';
const PUB = 'pub-key-0123456789abcdefABCDEF';
const DOTTED = 'dotted.key-0123456789.abcdefABCDEF';
secrets.add(KIOSK).add(BACKEND).add(ADMIN).add(PUB).add(DOTTED);

type Req = { method: 'GET' | 'POST'; url: string; payload?: Record<string, unknown> };
const post = (url: string, payload: Record<string, unknown>): Req => ({ method: 'POST', url, payload });
const get = (url: string): Req => ({ method: 'GET', url });

t.test('per-key services, roles and the wildcard on v1 and compat routes', async (t) => {
  const dir = t.testdir({
    keys: [
      `kiosk:${KIOSK} channels=lobby,room-* maxTtl=600 roles=subscriber`,
      `backend:sha256:${sha256(BACKEND).toString('hex')}`,
      `admin:${ADMIN} services=rtc,rtm,chat,chat-app wildcardUid=true`,
      `pub:${PUB} services=rtc roles=publisher`,
    ].join('\n'),
  });
  const app = await build(t, { AUTH_MODE: 'apiKey', API_KEYS_FILE: join(dir, 'keys') });
  const call = (key: string, r: Req) => app.inject({ ...r, headers: { 'x-api-key': key } });
  const denied = async (key: string, r: Req, code: string, field?: string) => {
    const res = await call(key, r);
    t.equal(res.statusCode, 403, `${r.method} ${r.url} ${JSON.stringify(r.payload ?? '')}`);
    t.match(res.json(), { code, ...(field !== undefined && { field }) });
    if (field === undefined) t.notOk('field' in res.json());
  };

  // A channel-restricted key with no services= mints RTC only: nothing else honours a channel list.
  const notRtc: Req[] = [
    post('/v1/tokens/rtm', { userId: 'alice' }),
    post('/v1/tokens/chat', { userId: 'alice' }),
    post('/v1/tokens/rtc-rtm', { channelName: 'lobby', uid: 5, rtmUserId: 'anyone' }),
    get('/rtm/alice'),
    get('/chat/account/alice'),
    get('/rte/lobby/subscriber/uid/5'),
    get('/rte/lobby/subscriber/uid/5/anyone'),
    post('/getToken', { tokenType: 'rtm', uid: 'alice' }),
    post('/getToken', { tokenType: 'chat', uid: 'alice' }),
  ];
  for (const r of notRtc) await denied(KIOSK, r, 'SERVICE_NOT_ALLOWED');
  await denied(KIOSK, post('/v1/tokens/chat', {}), 'SERVICE_NOT_ALLOWED', 'userId');
  await denied(KIOSK, get('/chat/app'), 'SERVICE_NOT_ALLOWED');
  await denied(KIOSK, post('/getToken', { tokenType: 'chat' }), 'SERVICE_NOT_ALLOWED', 'uid');
  t.equal((await call(KIOSK, post('/v1/tokens/rtc', { channelName: 'lobby', uid: 5 }))).statusCode, 200);

  // A key line without options: user-level tokens for anyone, never app-level or the wildcard.
  await denied(BACKEND, post('/v1/tokens/chat', {}), 'SERVICE_NOT_ALLOWED', 'userId');
  await denied(BACKEND, get('/chat/app'), 'SERVICE_NOT_ALLOWED');
  await denied(BACKEND, post('/v1/tokens/rtc', { channelName: 'c', uid: 0 }), 'WILDCARD_UID_NOT_ALLOWED', 'uid');
  await denied(BACKEND, post('/v1/tokens/rtc', { channelName: 'c', userAccount: '0' }), 'WILDCARD_UID_NOT_ALLOWED', 'userAccount');
  await denied(BACKEND, get('/access_token?channelName=c'), 'WILDCARD_UID_NOT_ALLOWED', 'uid');
  await denied(BACKEND, get('/rtc/c/publisher/uid/0'), 'WILDCARD_UID_NOT_ALLOWED', 'uid');
  await denied(BACKEND, get('/rtc/c/publisher/userAccount/0'), 'WILDCARD_UID_NOT_ALLOWED', 'uid');
  await denied(BACKEND, get('/rte/c/publisher/uid/0/bob'), 'WILDCARD_UID_NOT_ALLOWED', 'rtcuid');
  await denied(BACKEND, post('/v1/tokens/rtc-rtm', { channelName: 'c', uid: 5, rtmUserId: '0' }), 'WILDCARD_UID_NOT_ALLOWED', 'rtmUserId');
  await denied(BACKEND, post('/v1/tokens/rtm', { userId: '0' }), 'WILDCARD_UID_NOT_ALLOWED', 'userId');
  await denied(BACKEND, post('/getToken', { tokenType: 'rtc', channel: 'c', uid: '0' }), 'WILDCARD_UID_NOT_ALLOWED', 'uid');
  for (const r of [post('/v1/tokens/rtm', { userId: 'bob' }), get('/chat/account/bob'), get('/rte/c/publisher/uid/5/bob')]) {
    t.equal((await call(BACKEND, r)).statusCode, 200, `${r.url}: user-level by default`);
  }

  // Granted explicitly: app tokens and the wildcard.
  const app1 = await call(ADMIN, get('/chat/app'));
  t.same(decode007(app1.json().chatToken).services[0]?.privileges, { 2: 3600 }, 'a Chat app token (privilege 2)');
  const wild = await call(ADMIN, get('/access_token?channelName=c'));
  t.equal(wild.statusCode, 200);
  t.ok(verify006(decode006(wild.json().token), APP_CERTIFICATE, 'c', ''), 'the wildcard: uid 0 signed as ""');
  t.equal((await call(ADMIN, post('/v1/tokens/rtc', { channelName: 'c', userAccount: '0' }))).statusCode, 200);

  // roles=publisher implies subscriber; and applies to every role-bearing route.
  t.equal((await call(PUB, get('/rtc/c/subscriber/uid/5'))).statusCode, 200, 'publisher implies subscriber');
  t.equal((await call(PUB, get('/rtc/c/publisher/uid/5'))).statusCode, 200);
  await denied(KIOSK, get('/rtc/lobby/publisher/uid/5'), 'ROLE_NOT_ALLOWED', 'role');
  await denied(KIOSK, get('/access_token?channelName=lobby&uid=5&role=publisher'), 'ROLE_NOT_ALLOWED', 'role');
  await denied(KIOSK, post('/getToken', { tokenType: 'rtc', channel: 'lobby', uid: '5', role: 'publisher' }), 'ROLE_NOT_ALLOWED', 'role');
  await denied(PUB, get('/rtm/alice'), 'SERVICE_NOT_ALLOWED');
});

t.test('apiKey,jwt: a configured key with two dots is an API key, not a JWT', async (t) => {
  const app = await build(t, {
    AUTH_MODE: 'apiKey,jwt',
    API_KEYS: `dotted:${DOTTED}`,
    JWT_SECRET: 'y'.repeat(32),
    JWT_ISSUER: 'i',
    JWT_AUDIENCE: 'a',
  });
  const res = await app.inject({ ...post('/v1/tokens/rtm', { userId: 'alice' }), headers: { authorization: `Bearer ${DOTTED}` } });
  t.equal(res.statusCode, 200);
  const other = await app.inject({ ...post('/v1/tokens/rtm', { userId: 'alice' }), headers: { authorization: 'Bearer abc.def.ghi' } });
  t.match(other.json(), { statusCode: 401, code: 'INVALID_TOKEN' }, 'an unknown JWT-shaped credential is still judged as a JWT');
  const notJwt = await app.inject({ ...post('/v1/tokens/rtm', { userId: 'alice' }), headers: { authorization: 'Bearer not-a-jwt-0123456789' } });
  t.match(notJwt.json(), { statusCode: 401, code: 'INVALID_CREDENTIALS' });
});

t.test('authenticated requests refused by input checks write one audit line', async (t) => {
  const app = await build(t, { AUTH_MODE: 'apiKey', API_KEYS: `backend:${BACKEND}` });
  const cases: [Req, string, string][] = [
    [get('/rtm/%20alice'), 'VALIDATION_ERROR', '/rtm/:uid'],
    [get('/rtc/c1/publisher/uid/abc'), 'VALIDATION_ERROR', '/rtc/:channelName/:role/:tokenType/:uid'],
    [get('/rtc/c1/publisher/uid/5?expiry=abc'), 'VALIDATION_ERROR', '/rtc/:channelName/:role/:tokenType/:uid'],
    [get('/chat/account/bad!id'), 'VALIDATION_ERROR', '/chat/account/:chatid'],
    [post('/getToken', { tokenType: 'rtc', uid: '5' }), 'VALIDATION_ERROR', '/getToken'],
    [post('/v1/tokens/rtc', { channelName: 'c', uid: -1 }), 'VALIDATION_ERROR', '/v1/tokens/rtc'],
  ];
  for (const [r, code, route] of cases) {
    const before = logLines.length;
    const res = await app.inject({ ...r, headers: { 'x-api-key': BACKEND } });
    t.equal(res.statusCode, 400, r.url);
    const audits = logLines.slice(before).map((l) => JSON.parse(l)).filter((l) => l.audit !== undefined);
    t.equal(audits.length, 1, `${r.url}: exactly one audit line`);
    t.match(audits[0]?.audit, { caller: 'backend', auth: 'apiKey', route, decision: 'rejected', code });
  }
  // A mint that fails Agora's rules inside the minter is audited once, not twice.
  const before = logLines.length;
  await app.inject({ ...post('/v1/tokens/rtc-rtm', { channelName: 'c', userAccount: ' ab' }), headers: { 'x-api-key': BACKEND } });
  const inMinter = logLines.slice(before).filter((l) => l.includes('"audit"'));
  t.equal(inMinter.length, 1);
  t.match(JSON.parse(inMinter[0] as string).audit, { service: 'rtc-rtm', channelName: 'c', decision: 'rejected', code: 'VALIDATION_ERROR', field: 'rtmUserId' });
  // Refused credentials are no mint decision: no audit line (the caller is unknown).
  const unauth = logLines.length;
  await app.inject(get('/rtm/%20alice'));
  t.equal(logLines.slice(unauth).filter((l) => l.includes('"audit"')).length, 0);
});

t.test('loadConfig keeps one key entry per line', async (t) => {
  const cfg = loadConfig({ ...baseEnv, AUTH_MODE: 'apiKey', API_KEYS: `a:${KIOSK},b:${BACKEND}` });
  t.same(cfg.auth.apiKeys.map((k) => k.id), ['a', 'b']);
});
