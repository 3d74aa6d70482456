/**
 * The token family under the caller policy: JWT callers mint only for their own
 * identity, refusals name the field as the route spells it, and every refusal
 * or mint leaves one audit line.
 */
import { join } from 'node:path';
import { SignJWT } from 'jose';
import t from 'tap';
import { decode007 } from '../../src/tokens/codec.js';
import { JWT_SECRET, build, logLines, secrets } from '../helper.js';
import { AUDIENCE, ISSUER } from '../support/jwks.js';

const BACKEND_KEY = 'family-backend-0123456789abcdefABCDEF';
const APPS_KEY = 'family-apps-0123456789abcdefABCDEF';
const RTC_KEY = 'family-rtc-0123456789abcdefABCDEF';
const CLASS_KEY = 'family-class-0123456789abcdefABCDEF';
for (const key of [BACKEND_KEY, APPS_KEY, RTC_KEY, CLASS_KEY]) secrets.add(key);

const jwtEnv = { AUTH_MODE: 'jwt', JWT_SECRET, JWT_ISSUER: ISSUER, JWT_AUDIENCE: AUDIENCE };

function jwt(claims: Record<string, unknown>) {
  return new SignJWT({ iss: ISSUER, aud: AUDIENCE, ...claims })
    .setProtectedHeader({ alg: 'HS256' })
    .setIssuedAt()
    .setExpirationTime('5m')
    .sign(new TextEncoder().encode(JWT_SECRET));
}

const post = (url: string, token: string, payload: Record<string, unknown>) => ({
  method: 'POST' as const,
  url,
  headers: { authorization: `Bearer ${token}` },
  payload,
});

t.test('JWT callers: their own identity only, refusals naming the route\'s field', async (t) => {
  const app = await build(t, jwtEnv);
  const before = logLines.length;
  const alice = await jwt({ sub: 'alice' });
  const deny = async (url: string, payload: Record<string, unknown>, code: string, field: string) => {
    const res = await app.inject(post(url, alice, payload));
    t.equal(res.statusCode, 403, `${url} ${JSON.stringify(payload)}`);
    t.match(res.json(), { code, field }, `${code} names ${field}`);
  };

  const own = await app.inject(post('/v1/tokens/apaas', alice, { roomUuid: 'class-1', userUuid: 'alice', role: 'student' }));
  t.equal(own.statusCode, 200, 'a room-user token for oneself');
  t.equal(decode007(own.json().token).services.find((s) => s.name === 'apaas')?.userUuid, 'alice');
  await deny('/v1/tokens/apaas', { roomUuid: 'class-1', userUuid: 'bob', role: 'student' }, 'IDENTITY_NOT_ALLOWED', 'userUuid');
  await deny('/v1/tokens/apaas', { userUuid: 'bob' }, 'IDENTITY_NOT_ALLOWED', 'userUuid');

  const agent = await app.inject(post('/v1/tokens/convoai', alice, { channelName: 'c', userAccount: 'alice', role: 'subscriber' }));
  t.equal(agent.statusCode, 200, 'an agent token for its own account');
  await deny('/v1/tokens/convoai', { channelName: 'c', userAccount: 'alice' }, 'ROLE_NOT_ALLOWED', 'role');
  await deny('/v1/tokens/stt', { channelName: 'c', userAccount: 'alice', rtmUserId: 'bob', role: 'subscriber' }, 'IDENTITY_NOT_ALLOWED', 'rtmUserId');
  await deny('/v1/tokens/convoai', { channelName: 'c', uid: 1001, rtmUserId: 'alice', role: 'subscriber' }, 'IDENTITY_NOT_ALLOWED', 'uid');

  // With per-privilege lifetimes the publish privileges are what make a publisher: the refusal names them.
  await deny('/v1/tokens/rtc', { channelName: 'c', userAccount: 'alice', privileges: { joinChannel: 60, publishAudio: 30 } }, 'ROLE_NOT_ALLOWED', 'privileges');
  await deny('/v1/tokens/rtc-rtm', { channelName: 'c', userAccount: 'alice', privileges: { joinChannel: 60, publishData: 30 } }, 'ROLE_NOT_ALLOWED', 'privileges');
  await deny('/v1/tokens/stt', { channelName: 'c', userAccount: 'alice', privileges: { joinChannel: 60, publishVideo: 30 } }, 'ROLE_NOT_ALLOWED', 'privileges');
  const join = await app.inject(post('/v1/tokens/rtc', alice, { channelName: 'c', userAccount: 'alice', privileges: { joinChannel: 60 } }));
  t.equal(join.statusCode, 200, 'join-only privileges are a subscriber\'s');

  await deny('/v1/tokens/rtm', { userId: 'bob', permissions: { users: { read: ['alice'] } } }, 'IDENTITY_NOT_ALLOWED', 'userId');
  const rtm2 = await app.inject(post('/v1/tokens/rtm', alice, { userId: 'alice', permissions: { users: { read: ['bob'] } } }));
  t.equal(rtm2.statusCode, 200, 'RTM 2 permissions for oneself');

  const audits = logLines.slice(before).filter((l) => l.includes('"audit"')).map((l) => JSON.parse(l).audit);
  t.ok(audits.some((a) => a.caller === 'alice' && a.service === 'apaas' && a.decision === 'denied' && a.code === 'IDENTITY_NOT_ALLOWED'));
  t.ok(audits.some((a) => a.caller === 'alice' && a.service === 'convoai' && a.decision === 'allowed'));
});

t.test('token types: keys and JWT claims name what they may mint; app-level types only when granted', async (t) => {
  const dir = t.testdir({
    keys: [
      `backend:${BACKEND_KEY}`,
      `apps:${APPS_KEY} services=apaas-app,fpa`,
      `rtconly:${RTC_KEY} services=rtc`,
      `classroom:${CLASS_KEY} services=apaas,rtm,chat`,
    ].join('\n'),
  });
  const app = await build(t, { AUTH_MODE: 'apiKey', API_KEYS_FILE: join(dir, 'keys') });
  const before = logLines.length;
  const as = (key: string) => async (url: string, payload: Record<string, unknown>) =>
    app.inject({ method: 'POST', url, headers: { 'x-api-key': key }, payload });
  const expect = async (key: string, url: string, payload: Record<string, unknown>, status: number, match: Record<string, unknown> = {}) => {
    const res = await as(key)(url, payload);
    t.equal(res.statusCode, status, `${url} ${JSON.stringify(payload)}`);
    if (status !== 200) t.match(res.json(), { code: 'SERVICE_NOT_ALLOWED', ...match });
    return res;
  };
  const roomUser = { roomUuid: 'class-1', userUuid: 'stu', role: 'student' };
  const agent = { channelName: 'c', uid: 9 };

  // No services= : every user-level type, never an app-level one.
  await expect(BACKEND_KEY, '/v1/tokens/apaas', roomUser, 200);
  await expect(BACKEND_KEY, '/v1/tokens/apaas', { userUuid: 'stu' }, 200);
  await expect(BACKEND_KEY, '/v1/tokens/convoai', agent, 200);
  await expect(BACKEND_KEY, '/v1/tokens/stt', agent, 200);
  await expect(BACKEND_KEY, '/v1/tokens/rtm', { userId: 'u', permissions: { users: { read: ['v'] } } }, 200);
  await expect(BACKEND_KEY, '/v1/tokens/apaas', {}, 403, { field: 'userUuid', message: /apaas-app/ });
  const fpa = await expect(BACKEND_KEY, '/v1/tokens/fpa', {}, 403, { message: /fpa/ });
  t.notOk('field' in fpa.json(), 'FPA has no user to give: no field');

  // Granted explicitly: the app-level types, and nothing else.
  await expect(APPS_KEY, '/v1/tokens/apaas', {}, 200);
  await expect(APPS_KEY, '/v1/tokens/fpa', { expireSeconds: 60 }, 200);
  await expect(APPS_KEY, '/v1/tokens/apaas', { userUuid: 'stu' }, 403, { message: /apaas tokens/ });

  // A token needs every type whose service it carries.
  await expect(RTC_KEY, '/v1/tokens/rtc', { channelName: 'c', uid: 1, privileges: { joinChannel: 60 } }, 200);
  await expect(RTC_KEY, '/v1/tokens/convoai', agent, 403, { message: /rtm/ });
  await expect(CLASS_KEY, '/v1/tokens/apaas', roomUser, 200);
  await expect(CLASS_KEY, '/v1/tokens/stt', agent, 403, { message: /rtc/ });
  await expect(RTC_KEY, '/v1/tokens/apaas', roomUser, 403, { message: /apaas/ });

  const audits = logLines.slice(before).filter((l) => l.includes('"audit"')).map((l) => JSON.parse(l).audit);
  t.ok(audits.some((a) => a.caller === 'backend' && a.service === 'fpa' && a.decision === 'denied' && a.code === 'SERVICE_NOT_ALLOWED'));
  t.ok(audits.some((a) => a.caller === 'apps' && a.service === 'fpa' && a.decision === 'allowed'));
});

t.test('a JWT policy claim grants app-level types by name', async (t) => {
  const app = await build(t, jwtEnv);
  const plain = await jwt({ sub: 'ops' });
  const granted = await jwt({ sub: 'ops', agora: { services: ['fpa', 'apaas-app'] } });
  for (const [url, payload] of [['/v1/tokens/fpa', {}], ['/v1/tokens/apaas', {}]] as const) {
    t.match((await app.inject(post(url, plain, payload))).json(), { statusCode: 403, code: 'SERVICE_NOT_ALLOWED' }, `${url}: denied by default`);
    t.equal((await app.inject(post(url, granted, payload))).statusCode, 200, `${url}: granted by the claim`);
  }
  t.match((await app.inject(post('/v1/tokens/convoai', granted, { channelName: 'c', userAccount: 'ops', role: 'subscriber' }))).json(), { code: 'SERVICE_NOT_ALLOWED' }, 'a services list is the whole list');
});

