/**
 * Every input that names a channel, an identity or a lifetime goes through the
 * caller's grants, not only RTC's channelName / uid / expireSeconds: APaaS rooms
 * and roles, RTM 2 resource permissions, per-privilege and RTM lifetimes. And a
 * 403 names only a field the route has.
 */
import { join } from 'node:path';
import { SignJWT } from 'jose';
import t from 'tap';
import { sha256 } from '../../src/auth/api-keys.js';
import { decode007 } from '../../src/tokens/codec.js';
import { JWT_SECRET, build, secrets } from '../helper.js';
import { AUDIENCE, ISSUER } from '../support/jwks.js';

const LOBBY = 'scope-lobby-0123456789abcdefABCDEF';
const HOST = 'scope-host-0123456789abcdefABCDEF';
const CAPPED = 'scope-capped-0123456789abcdefABCDEF';
const OPEN = 'scope-open-0123456789abcdefABCDEF';
for (const key of [LOBBY, HOST, CAPPED, OPEN]) secrets.add(key);

type Req = { method: 'GET' | 'POST'; url: string; payload?: Record<string, unknown> };
const post = (url: string, payload: Record<string, unknown>): Req => ({ method: 'POST', url, payload });
const get = (url: string): Req => ({ method: 'GET', url });

function jwt(claims: Record<string, unknown>) {
  return new SignJWT({ iss: ISSUER, aud: AUDIENCE, sub: 'alice', uid: 42, ...claims })
    .setProtectedHeader({ alg: 'HS256' })
    .setExpirationTime('5m')
    .sign(new TextEncoder().encode(JWT_SECRET));
}

t.test('API keys: channel, role and lifetime grants cover APaaS, RTM 2 permissions and every lifetime field', async (t) => {
  const dir = t.testdir({
    keys: [
      // The reviewer's key: restricted channels and roles, but granted the types a room-user token carries.
      `lobby:${LOBBY} channels=lobby roles=subscriber services=apaas,rtm,chat`,
      `host:sha256:${sha256(HOST).toString('hex')} channels=lobby,class-* roles=publisher services=apaas,rtm,chat`,
      `capped:${CAPPED} maxTtl=600 services=rtc,rtm,convoai,stt`,
      `open:${OPEN} services=rtc,rtm`,
    ].join('\n'),
  });
  const app = await build(t, { AUTH_MODE: 'apiKey', API_KEYS_FILE: join(dir, 'keys'), TOKEN_TTL_DEFAULT: '3600' });
  const call = (key: string, r: Req) => app.inject({ ...r, headers: { 'x-api-key': key } });
  const denied = async (key: string, r: Req, code: string, field: string | undefined, message?: RegExp) => {
    const res = await call(key, r);
    const what = `${r.url} ${JSON.stringify(r.payload ?? '')}`;
    t.equal(res.statusCode, 403, what);
    t.match(res.json(), { code, ...(field !== undefined && { field }), ...(message && { message }) }, what);
    if (field === undefined) t.notOk('field' in res.json(), `${what}: no field`);
  };
  const allowed = async (key: string, r: Req) => {
    const res = await call(key, r);
    t.equal(res.statusCode, 200, `${r.url} ${JSON.stringify(r.payload ?? '')}`);
    return res.json();
  };
  const apaas = (roomUuid: string, role: string, userUuid = 'mallory') => post('/v1/tokens/apaas', { roomUuid, userUuid, role });

  t.test('APaaS: the room is a channel; host roles need the publisher grant', async () => {
    await denied(LOBBY, apaas('secret', 'teacher'), 'CHANNEL_NOT_ALLOWED', 'roomUuid', /channel "secret"/);
    await denied(LOBBY, apaas('secret', 'student'), 'CHANNEL_NOT_ALLOWED', 'roomUuid');
    for (const role of ['teacher', 'assistant', 'invisible']) {
      await denied(LOBBY, apaas('lobby', role), 'ROLE_NOT_ALLOWED', 'role', new RegExp(`may not mint ${role} tokens \\(they need the publisher grant\\)`));
    }
    for (const [role, number] of [['student', 2], ['observer', 4]] as const) {
      const body = await allowed(LOBBY, apaas('lobby', role));
      const service = decode007(body.token).services.find((s) => s.name === 'apaas');
      t.match(service, { roomUuid: 'lobby', userUuid: 'mallory', role: number }, `${role}: an audience role under the subscriber grant`);
    }
    t.equal((await allowed(LOBBY, post('/v1/tokens/apaas', { userUuid: 'mallory' }))).kind, 'user', 'a user token names no room');
    await denied(HOST, apaas('secret', 'teacher'), 'CHANNEL_NOT_ALLOWED', 'roomUuid');
    for (const [role, number] of [['teacher', 1], ['assistant', 3], ['invisible', 0], ['student', 2]] as const) {
      const body = await allowed(HOST, apaas('class-7', role));
      t.equal(decode007(body.token).services.find((s) => s.name === 'apaas')?.role, number, `${role} under the publisher grant`);
    }
    // A role without a room is malformed (400), not a refusal.
    t.equal((await call(LOBBY, post('/v1/tokens/apaas', { userUuid: 'mallory', role: 'teacher' }))).statusCode, 400);
  });

  t.test('RTM 2 permissions: every channel resource, read and write, within the channel patterns', async () => {
    const rtm = (permissions: Record<string, unknown>) => post('/v1/tokens/rtm', { userId: 'mallory', permissions });
    await denied(LOBBY, rtm({ messageChannels: { read: ['secret'] } }), 'CHANNEL_NOT_ALLOWED', 'permissions.messageChannels.read.0');
    await denied(LOBBY, rtm({ messageChannels: { read: ['lobby'], write: ['lobby', 'secret'] } }), 'CHANNEL_NOT_ALLOWED', 'permissions.messageChannels.write.1');
    await denied(LOBBY, rtm({ streamChannels: { read: ['secret'] } }), 'CHANNEL_NOT_ALLOWED', 'permissions.streamChannels.read.0');
    await denied(LOBBY, rtm({ groupChannels: { write: ['secret'] } }), 'CHANNEL_NOT_ALLOWED', 'permissions.groupChannels.write.0');
    const body = await allowed(
      LOBBY,
      rtm({ messageChannels: { read: ['lobby'] }, streamChannels: { write: ['lobby'] }, serverGroups: { read: ['staff'] }, users: { write: ['bob'] } }),
    );
    t.ok(decode007(body.token).services[0]?.permissions?.length, 'an RTM 2 token with its permissions');
    // An unrestricted key names any channel.
    await allowed(OPEN, rtm({ messageChannels: { write: ['secret'] } }));
  });

  t.test('a lifetime above the caller cap is 403 on every lifetime field, with or without expireSeconds', async () => {
    const agent = { channelName: 'c', uid: 1001, rtmUserId: 'agent' };
    const cases: [string, Record<string, unknown>, string][] = [
      ['/v1/tokens/rtc-rtm', { channelName: 'c', uid: 5, expireSeconds: 600, rtmExpireSeconds: 900 }, 'rtmExpireSeconds'],
      ['/v1/tokens/rtc-rtm', { channelName: 'c', uid: 5, rtmExpireSeconds: 900 }, 'rtmExpireSeconds'],
      ['/v1/tokens/rtc-rtm', { channelName: 'c', uid: 5, combined: true, privileges: { joinChannel: 900 } }, 'privileges.joinChannel'],
      ['/v1/tokens/rtc', { channelName: 'c', uid: 5, privileges: { joinChannel: 600, publishAudio: 601 } }, 'privileges.publishAudio'],
      ['/v1/tokens/rtc', { channelName: 'c', uid: 5, expireSeconds: 600, privileges: { joinChannel: 60, publishVideo: 86400 } }, 'privileges.publishVideo'],
      ['/v1/tokens/rtc', { channelName: 'c', uid: 5, privileges: { joinChannel: 60, publishData: 700 } }, 'privileges.publishData'],
      ['/v1/tokens/rtc', { channelName: 'c', uid: 5, privilegeExpireSeconds: 900 }, 'privilegeExpireSeconds'],
      ['/v1/tokens/convoai', { ...agent, rtmExpireSeconds: 900 }, 'rtmExpireSeconds'],
      ['/v1/tokens/stt', { ...agent, privileges: { joinChannel: 900 } }, 'privileges.joinChannel'],
    ];
    for (const [url, payload, field] of cases) {
      await denied(CAPPED, post(url, payload), 'TTL_ABOVE_CALLER_CAP', field, new RegExp(`^${field.replace('.', '\\.')} [0-9]+ is above this caller's cap of 600 seconds$`));
    }
    const within = await allowed(CAPPED, post('/v1/tokens/rtc-rtm', { channelName: 'c', uid: 5, rtmExpireSeconds: 300, combined: true }));
    t.equal(within.expiresAtUnix - within.issuedAtUnix, 300, 'within the cap: minted');
    // Without a cap, Agora's rules decide: 400 as before.
    const open = await call(OPEN, post('/v1/tokens/rtc-rtm', { channelName: 'c', uid: 5, rtmExpireSeconds: 86401 }));
    t.match(open.json(), { statusCode: 400, code: 'VALIDATION_ERROR', field: 'rtmExpireSeconds' });
    const longer = await call(OPEN, post('/v1/tokens/rtc', { channelName: 'c', uid: 5, expireSeconds: 600, privileges: { joinChannel: 900 } }));
    t.match(longer.json(), { statusCode: 400, field: 'privileges.joinChannel' }, 'a privilege outliving the token is a 400');
  });

  t.test('a 403 names only a field the route has, in words that fit the route', async () => {
    await denied(OPEN, get('/chat/app'), 'SERVICE_NOT_ALLOWED', undefined, /^this caller may not mint chat-app tokens \(app-level\)$/);
    await denied(OPEN, post('/v1/tokens/chat', {}), 'SERVICE_NOT_ALLOWED', 'userId', /\(app-level; give userId\)$/);
    await denied(OPEN, post('/getToken', { tokenType: 'chat' }), 'SERVICE_NOT_ALLOWED', 'uid', /\(app-level; give uid\)$/);
    await denied(OPEN, post('/v1/tokens/apaas', {}), 'SERVICE_NOT_ALLOWED', 'userUuid', /\(app-level; give userUuid\)$/);
    await denied(OPEN, post('/v1/tokens/fpa', {}), 'SERVICE_NOT_ALLOWED', undefined, /^this caller may not mint fpa tokens \(app-level\)$/);
  });
});

t.test('JWT callers: RTM 2 permissions and APaaS rooms under the identity and channel rules', async (t) => {
  const app = await build(t, { AUTH_MODE: 'jwt', JWT_SECRET, JWT_ISSUER: ISSUER, JWT_AUDIENCE: AUDIENCE });
  const alice = await jwt({});
  const roomed = await jwt({ agora: { channels: ['room-*'], services: ['rtm', 'apaas', 'chat'] } });
  const call = (token: string, url: string, payload: Record<string, unknown>) =>
    app.inject({ method: 'POST', url, headers: { authorization: `Bearer ${token}` }, payload });
  const rtm = (token: string, permissions: Record<string, unknown>, userId = 'alice') => call(token, '/v1/tokens/rtm', { userId, permissions });

  const other = await rtm(alice, { users: { read: ['bob'], write: ['carol', 'bob'] } });
  t.equal(other.statusCode, 403);
  t.match(other.json(), { code: 'IDENTITY_NOT_ALLOWED', field: 'permissions.users.write.0', message: /only get write permission on its own user id/ });
  t.equal((await rtm(alice, { users: { read: ['bob'], write: ['alice'] } })).statusCode, 200, 'reading others, writing as oneself');
  t.equal((await rtm(alice, { users: { write: ['42'] } })).statusCode, 200, 'a digit-only user resource is the caller\'s own uid');
  t.match((await rtm(alice, { users: { write: ['0'] } })).json(), { code: 'IDENTITY_NOT_ALLOWED', field: 'permissions.users.write.0' });
  t.equal((await rtm(await jwt({ agora: { anyUser: true } }), { users: { write: ['bob'] } })).statusCode, 200, 'anyUser: any user resource');

  t.match((await rtm(roomed, { messageChannels: { write: ['lobby'] } })).json(), { code: 'CHANNEL_NOT_ALLOWED', field: 'permissions.messageChannels.write.0' });
  t.equal((await rtm(roomed, { messageChannels: { write: ['room-1'] }, groupChannels: { read: ['room-2'] } })).statusCode, 200);
  t.match((await call(roomed, '/v1/tokens/apaas', { roomUuid: 'class-1', userUuid: 'alice', role: 'student' })).json(), {
    code: 'CHANNEL_NOT_ALLOWED',
    field: 'roomUuid',
  });
  t.equal((await call(roomed, '/v1/tokens/apaas', { roomUuid: 'room-1', userUuid: 'alice', role: 'student' })).statusCode, 200);
  t.match((await call(roomed, '/v1/tokens/apaas', { roomUuid: 'room-1', userUuid: 'alice', role: 'teacher' })).json(), {
    code: 'ROLE_NOT_ALLOWED',
    field: 'role',
  }, 'JWTs default to subscriber: no teacher without roles=[publisher]');
});
