/**
 * The token family under the caller policy: JWT callers mint only for their own
 * identity, refusals name the field as the route spells it, and every refusal
 * or mint leaves one audit line.
 */
import { SignJWT } from 'jose';
import t from 'tap';
import { decode007 } from '../../src/tokens/codec.js';
import { JWT_SECRET, build, logLines } from '../helper.js';
import { AUDIENCE, ISSUER } from '../support/jwks.js';

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

  const audits = logLines.filter((l) => l.includes('"audit"')).map((l) => JSON.parse(l).audit);
  t.ok(audits.some((a) => a.caller === 'alice' && a.service === 'apaas' && a.decision === 'denied' && a.code === 'IDENTITY_NOT_ALLOWED'));
  t.ok(audits.some((a) => a.caller === 'alice' && a.service === 'convoai' && a.decision === 'allowed'));
});
