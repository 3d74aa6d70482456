/**
 * The token family over HTTP: every new route and every new field, each token
 * decoded and checked field by field (identity, channel, each privilege's
 * expiry, the services inside, the signature), the errors naming the field as
 * the route spells it, and one audit line per mint.
 */
import { createHash } from 'node:crypto';
import t, { type Test } from 'tap';
import { decode007, verify007, type Decoded007 } from '../../src/tokens/codec.js';
import { APP_CERTIFICATE, APP_ID, build, logLines, nowUnix } from '../helper.js';

const post = (url: string, payload: unknown) => ({
  method: 'POST' as const,
  url,
  headers: { 'content-type': 'application/json' },
  payload: JSON.stringify(payload),
});

/** The common 007 fields, and the response's own account of them. */
function open(t: Test, body: Record<string, unknown>, key: string, expire: number, firstExpiry: number): Decoded007 {
  const d = decode007(body[key] as string);
  t.equal(d.appId, APP_ID, `${key}: this server's App ID`);
  t.ok(verify007(d, APP_CERTIFICATE), `${key}: signed with the certificate`);
  t.ok(Math.abs(d.issueTs - nowUnix()) <= 2, `${key}: issued now`);
  t.equal(d.expire, expire, `${key}: token lifetime`);
  t.equal(body.issuedAtUnix, d.issueTs, 'issuedAtUnix is the signed issue time');
  t.equal(body.expiresAtUnix, d.issueTs + firstExpiry, 'expiresAtUnix: the first expiry inside');
  t.equal(body.issuedAt, new Date(d.issueTs * 1000).toISOString());
  t.equal(body.expiresAt, new Date((d.issueTs + firstExpiry) * 1000).toISOString());
  t.equal(body.version, '007');
  return d;
}

async function expect400(t: Test, app: Awaited<ReturnType<typeof build>>, url: string, payload: unknown, field: string, message: RegExp) {
  const res = await app.inject(post(url, payload));
  t.equal(res.statusCode, 400, `${url} ${JSON.stringify(payload).slice(0, 120)}`);
  t.match(res.json(), { statusCode: 400, error: 'Bad Request', field, message }, `${field}: ${res.json().message}`);
}

t.test('POST /v1/tokens/rtc with per-privilege lifetimes', async (t) => {
  const app = await build(t);
  const privileges = { joinChannel: 3600, publishAudio: 900, publishVideo: 600, publishData: 300 };
  const res = await app.inject(post('/v1/tokens/rtc', { channelName: 'stage', uid: 42, expireSeconds: 3600, privileges }));
  t.equal(res.statusCode, 200);
  const body = res.json();
  t.match(body, { channelName: 'stage', uid: 42, role: 'publisher', privileges });
  const d = open(t, body, 'token', 3600, 300);
  t.same(d.services, [{ type: 1, name: 'rtc', privileges: { 1: 3600, 2: 900, 3: 600, 4: 300 }, channelName: 'stage', uid: '42' }]);

  const audience = (await app.inject(post('/v1/tokens/rtc', { channelName: 'stage', userAccount: 'bob', expireSeconds: 600, privileges: { joinChannel: 120 } }))).json();
  t.match(audience, { role: 'subscriber', userAccount: 'bob', privileges: { joinChannel: 120 } }, 'join only: a subscriber');
  t.same(open(t, audience, 'token', 600, 120).services[0]?.privileges, { 1: 120 });

  const url = '/v1/tokens/rtc';
  const base = { channelName: 'c', uid: 1, expireSeconds: 600 };
  await expect400(t, app, url, { ...base, role: 'publisher', privileges: { joinChannel: 60 } }, 'role', /cannot be combined with privileges/);
  await expect400(t, app, url, { ...base, privilegeExpireSeconds: 60, privileges: { joinChannel: 60 } }, 'privilegeExpireSeconds', /cannot be combined with privileges/);
  await expect400(t, app, url, { ...base, privileges: { joinChannel: 60, publishAudio: 601 } }, 'privileges.publishAudio', /from 1 to 600/);
  await expect400(t, app, url, { ...base, privileges: { publishAudio: 60 } }, 'privileges.joinChannel', /required property 'joinChannel'/);
  await expect400(t, app, url, { ...base, privileges: { joinChannel: 60, kick: 1 } }, 'privileges.kick', /not a known property/);
  await expect400(t, app, url, { ...base, privileges: { joinChannel: 0 } }, 'privileges.joinChannel', /must be >= 1/);
  await expect400(t, app, url, { ...base, privileges: { joinChannel: 1_795_850_353 } }, 'privileges.joinChannel', /absolute unix timestamp \(1795850353\)/);
  await expect400(t, app, url, { ...base, privileges: { joinChannel: 60, publishVideo: 86_401 } }, 'privileges.publishVideo', /must be <= 86400/);
  await expect400(t, app, url, { ...base, privileges: { joinChannel: 60 }, version: '006' }, 'privileges', /only supported by version 007/);
});

t.test('POST /v1/tokens/rtm with RTM 2 resource permissions', async (t) => {
  const app = await build(t);
  const permissions = { streamChannels: { read: ['stage', 'backstage'] }, users: { write: ['bob'] } };
  const res = await app.inject(post('/v1/tokens/rtm', { userId: 'alice', expireSeconds: 900, permissions }));
  t.equal(res.statusCode, 200);
  const body = res.json();
  t.match(body, { userId: 'alice', permissions });
  const d = open(t, body, 'token', 900, 900);
  t.same(d.services, [
    {
      type: 8,
      name: 'rtm2',
      privileges: { 1: 900 },
      userId: 'alice',
      permissions: [
        { resourceType: 1, resource: 'streamChannels', permissionType: 0, permission: 'read', resources: ['stage', 'backstage'] },
        { resourceType: 4, resource: 'users', permissionType: 1, permission: 'write', resources: ['bob'] },
      ],
    },
  ]);
  const plain = (await app.inject(post('/v1/tokens/rtm', { userId: 'alice' }))).json();
  t.notOk('permissions' in plain);
  t.same(decode007(plain.token).services.map((s) => s.name), ['rtm'], 'without permissions: a plain RTM token');

  const url = '/v1/tokens/rtm';
  const names = (n: number, p = 'n') => Array.from({ length: n }, (_, i) => `${p}${i}`);
  await expect400(t, app, url, { userId: 'a', permissions: {} }, 'permissions', /must NOT have fewer than 1 properties/);
  await expect400(t, app, url, { userId: 'a', permissions: { users: {} } }, 'permissions.users', /must NOT have fewer than 1 properties/);
  await expect400(t, app, url, { userId: 'a', permissions: { users: { read: [] } } }, 'permissions.users.read', /must NOT have fewer than 1 items/);
  await expect400(t, app, url, { userId: 'a', permissions: { users: { read: [' x'] } } }, 'permissions.users.read.0', /must match pattern/);
  await expect400(t, app, url, { userId: 'a', permissions: { messageChannels: { write: ['ok', 'bad/name'] } } }, 'permissions.messageChannels.write.1', /must match pattern/);
  await expect400(t, app, url, { userId: 'a', permissions: { groupChannels: { read: ['g', 'g'] } } }, 'permissions.groupChannels.read', /duplicate items/);
  await expect400(t, app, url, { userId: 'a', permissions: { serverGroups: { read: names(17) } } }, 'permissions.serverGroups.read', /must NOT have more than 16 items/);
  await expect400(t, app, url, { userId: 'a', permissions: { channels: { read: ['x'] } } }, 'permissions.channels', /not a known property/);
  await expect400(t, app, url, { userId: 'a', permissions: { users: { admin: ['x'] } } }, 'permissions.users.admin', /not a known property/);
  await expect400(
    t,
    app,
    url,
    { userId: 'a', permissions: { messageChannels: { read: names(16, 'm'), write: names(16, 'w') }, users: { read: ['u'] } } },
    'permissions',
    /at most 32 names in all/,
  );
  await expect400(t, app, url, { userId: 'a', version: '006', permissions: { users: { read: ['b'] } } }, 'permissions', /only supported by version 007/);
});

t.test('POST /v1/tokens/rtc-rtm: the buildTokenWithRtm2 shape', async (t) => {
  const app = await build(t);
  const privileges = { joinChannel: 3000, publishAudio: 1200 };
  const res = await app.inject(
    post('/v1/tokens/rtc-rtm', { channelName: 'c', userAccount: 'alice', rtmUserId: 'alice-rtm', expireSeconds: 3600, privileges, rtmExpireSeconds: 1800, combined: true }),
  );
  t.equal(res.statusCode, 200);
  const body = res.json();
  t.match(body, { combined: true, userAccount: 'alice', rtmUserId: 'alice-rtm', role: 'publisher', privileges, rtmExpireSeconds: 1800 });
  t.equal(body.rtcToken, body.rtmToken);
  const d = open(t, body, 'rtcToken', 3600, 1200);
  t.same(d.services, [
    { type: 1, name: 'rtc', privileges: { 1: 3000, 2: 1200 }, channelName: 'c', uid: 'alice' },
    { type: 2, name: 'rtm', privileges: { 1: 1800 }, userId: 'alice-rtm' },
  ]);

  const two = (await app.inject(post('/v1/tokens/rtc-rtm', { channelName: 'c', uid: 8, expireSeconds: 600, rtmExpireSeconds: 120 }))).json();
  t.match(two, { combined: false, rtmUserId: '8', rtmExpireSeconds: 120 });
  t.same(open(t, two, 'rtmToken', 120, 120).services, [{ type: 2, name: 'rtm', privileges: { 1: 120 }, userId: '8' }], 'the RTM token lives rtmExpireSeconds');
  t.same(decode007(two.rtcToken).services[0]?.privileges, { 1: 600 });

  await expect400(t, app, '/v1/tokens/rtc-rtm', { channelName: 'c', uid: 8, expireSeconds: 600, rtmExpireSeconds: 601 }, 'rtmExpireSeconds', /from 1 to 600/);
  await expect400(t, app, '/v1/tokens/rtc-rtm', { channelName: 'c', uid: 8, role: 'subscriber', privileges: { joinChannel: 5 } }, 'role', /cannot be combined/);
});

t.test('POST /v1/tokens/apaas: room-user, user and app tokens', async (t) => {
  const app = await build(t);
  const res = await app.inject(post('/v1/tokens/apaas', { roomUuid: 'class-101', userUuid: 'stu-7', role: 'teacher', expireSeconds: 1200 }));
  t.equal(res.statusCode, 200);
  const body = res.json();
  const chatUserId = createHash('md5').update('stu-7').digest('hex');
  t.same(
    { ...body, token: undefined, issuedAt: undefined, expiresAt: undefined, issuedAtUnix: undefined, expiresAtUnix: undefined },
    { token: undefined, version: '007', kind: 'roomUser', roomUuid: 'class-101', userUuid: 'stu-7', role: 'teacher', chatUserId, issuedAt: undefined, expiresAt: undefined, issuedAtUnix: undefined, expiresAtUnix: undefined },
  );
  t.same(open(t, body, 'token', 1200, 1200).services, [
    { type: 2, name: 'rtm', privileges: { 1: 1200 }, userId: 'stu-7' },
    { type: 5, name: 'chat', privileges: { 1: 1200 }, userId: chatUserId },
    { type: 7, name: 'apaas', privileges: { 1: 1200 }, roomUuid: 'class-101', userUuid: 'stu-7', role: 1 },
  ]);

  const user = (await app.inject(post('/v1/tokens/apaas', { userUuid: 'stu-7', expireSeconds: 600 }))).json();
  t.match(user, { kind: 'user', userUuid: 'stu-7' });
  t.notOk('roomUuid' in user || 'role' in user || 'chatUserId' in user);
  t.same(open(t, user, 'token', 600, 600).services, [{ type: 7, name: 'apaas', privileges: { 2: 600 }, roomUuid: '', userUuid: 'stu-7', role: -1 }]);

  const appToken = (await app.inject(post('/v1/tokens/apaas', {}))).json();
  t.match(appToken, { kind: 'app' });
  t.notOk('userUuid' in appToken);
  t.same(open(t, appToken, 'token', 3600, 3600).services, [{ type: 7, name: 'apaas', privileges: { 3: 3600 }, roomUuid: '', userUuid: '', role: -1 }], 'default lifetime');

  const url = '/v1/tokens/apaas';
  await expect400(t, app, url, { roomUuid: 'r', role: 'student' }, 'userUuid', /required with roomUuid/);
  await expect400(t, app, url, { roomUuid: 'r', userUuid: 'u' }, 'role', /required with roomUuid/);
  await expect400(t, app, url, { userUuid: 'u', role: 'student' }, 'role', /only applies to a room-user token/);
  await expect400(t, app, url, { roomUuid: 'r', userUuid: 'u', role: 'principal' }, 'role', /allowed values/);
  await expect400(t, app, url, { roomUuid: 'bad/room', userUuid: 'u', role: 'student' }, 'roomUuid', /must match pattern/);
  await expect400(t, app, url, { userUuid: ' u' }, 'userUuid', /must match pattern/);
  await expect400(t, app, url, { userUuid: 'u'.repeat(64) }, 'userUuid', /more than 63 characters/);
  await expect400(t, app, url, { expireSeconds: 1_795_850_353 }, 'expireSeconds', /absolute unix timestamp/);
});

t.test('POST /v1/tokens/convoai and /stt: RTC + RTM + the service in one token', async (t) => {
  const app = await build(t);
  for (const [service, type] of [['convoai', 9], ['stt', 10]] as const) {
    const url = `/v1/tokens/${service}`;
    const res = await app.inject(post(url, { channelName: 'support', uid: 1001, rtmUserId: 'agent-1001', role: 'publisher', expireSeconds: 1800, rtmExpireSeconds: 600 }));
    t.equal(res.statusCode, 200);
    const body = res.json();
    t.match(body, { channelName: 'support', uid: 1001, rtmUserId: 'agent-1001', role: 'publisher', rtmExpireSeconds: 600 });
    t.notOk('userAccount' in body || 'privileges' in body);
    t.same(open(t, body, 'token', 1800, 600).services, [
      { type: 1, name: 'rtc', privileges: { 1: 1800, 2: 1800, 3: 1800, 4: 1800 }, channelName: 'support', uid: '1001' },
      { type: 2, name: 'rtm', privileges: { 1: 600 }, userId: 'agent-1001' },
      { type, name: service, privileges: {} },
    ]);

    const bot = (await app.inject(post(url, { channelName: 'support', userAccount: 'bot', expireSeconds: 600, privileges: { joinChannel: 300 } }))).json();
    t.match(bot, { userAccount: 'bot', rtmUserId: 'bot', role: 'subscriber', privileges: { joinChannel: 300 } });
    t.notOk('rtmExpireSeconds' in bot);
    t.same(open(t, bot, 'token', 600, 300).services.slice(0, 2), [
      { type: 1, name: 'rtc', privileges: { 1: 300 }, channelName: 'support', uid: 'bot' },
      { type: 2, name: 'rtm', privileges: { 1: 600 }, userId: 'bot' },
    ]);

    const byDefault = (await app.inject(post(url, { channelName: 'support', uid: 7 }))).json();
    t.match(byDefault, { role: 'publisher', rtmUserId: '7' }, 'an agent publishes by default');
    t.same(open(t, byDefault, 'token', 3600, 3600).services[0]?.privileges, { 1: 3600, 2: 3600, 3: 3600, 4: 3600 });
    const listener = (await app.inject(post(url, { channelName: 'support', uid: 7, role: 'subscriber' }))).json();
    t.same(decode007(listener.token).services[0]?.privileges, { 1: 3600 }, 'subscriber when asked');

    await expect400(t, app, url, { channelName: 'c', uid: 0 }, 'rtmUserId', /required when the RTC user is the wildcard 0/);
    await expect400(t, app, url, { channelName: 'c', uid: 1, version: '007' }, 'version', /not a known property/);
    await expect400(t, app, url, { channelName: 'c', uid: 1, userAccount: 'a' }, 'uid', /exactly one/);
    await expect400(t, app, url, { channelName: 'c', uid: 1, expireSeconds: 60, privilegeExpireSeconds: 61 }, 'privilegeExpireSeconds', /from 1 to 60/);
    await expect400(t, app, url, { uid: 1 }, 'channelName', /required property 'channelName'/);
  }
});

t.test('POST /v1/tokens/fpa', async (t) => {
  const app = await build(t);
  const res = await app.inject(post('/v1/tokens/fpa', { expireSeconds: 7200 }));
  t.equal(res.statusCode, 200);
  const body = res.json();
  t.same(Object.keys(body).sort(), ['expiresAt', 'expiresAtUnix', 'issuedAt', 'issuedAtUnix', 'token', 'version']);
  t.same(open(t, body, 'token', 7200, 7200).services, [{ type: 4, name: 'fpa', privileges: { 1: 0 } }], 'login privilege with no limit of its own');
  await expect400(t, app, '/v1/tokens/fpa', { expireSeconds: 86_401 }, 'expireSeconds', /must be <= 86400/);
  await expect400(t, app, '/v1/tokens/fpa', { userId: 'a' }, 'userId', /not a known property/);
});

t.test('JSON is validated as typed, never coerced, down to the nested fields', async (t) => {
  const app = await build(t);
  await expect400(t, app, '/v1/tokens/rtc', { channelName: 'c', uid: 1, privileges: { joinChannel: '60' } }, 'privileges.joinChannel', /must be integer/);
  await expect400(t, app, '/v1/tokens/rtc', { channelName: 'c', uid: 1, privileges: [60] }, 'privileges', /must be object/);
  await expect400(t, app, '/v1/tokens/rtm', { userId: 'a', permissions: { users: { read: 'bob' } } }, 'permissions.users.read', /must be array/);
  await expect400(t, app, '/v1/tokens/rtm', { userId: 'a', permissions: { users: { read: [7] } } }, 'permissions.users.read.0', /must be string/);
  await expect400(t, app, '/v1/tokens/rtc-rtm', { channelName: 'c', uid: 1, rtmExpireSeconds: true }, 'rtmExpireSeconds', /must be integer/);
  await expect400(t, app, '/v1/tokens/apaas', { roomUuid: 'r', userUuid: 'u', role: 2 }, 'role', /must be string/);
  await expect400(t, app, '/v1/tokens/apaas', { userUuid: 123 }, 'userUuid', /must be string/);
  await expect400(t, app, '/v1/tokens/convoai', { channelName: 'c', uid: '7' }, 'uid', /must be integer/);
  await expect400(t, app, '/v1/tokens/stt', { channelName: 'c', uid: 7, rtmUserId: null }, 'rtmUserId', /must be string/);
  await expect400(t, app, '/v1/tokens/fpa', { expireSeconds: '60' }, 'expireSeconds', /must be integer/);
});

t.test('every new route writes one audit line per mint', async (t) => {
  const app = await build(t);
  const before = logLines.length;
  const requests: [string, unknown, Record<string, unknown>][] = [
    ['/v1/tokens/apaas', { roomUuid: 'r', userUuid: 'u1', role: 'student' }, { service: 'apaas', userId: 'u1' }],
    ['/v1/tokens/convoai', { channelName: 'c', uid: 5 }, { service: 'convoai', channelName: 'c', uid: 5, userId: '5', role: 'publisher' }],
    ['/v1/tokens/stt', { channelName: 'c', userAccount: 'bot', rtmUserId: 'bot-rtm' }, { service: 'stt', channelName: 'c', userAccount: 'bot', userId: 'bot-rtm' }],
    ['/v1/tokens/fpa', { expireSeconds: 60 }, { service: 'fpa', ttl: 60 }],
  ];
  for (const [url, payload] of requests) t.equal((await app.inject(post(url, payload))).statusCode, 200, url);
  const audits = logLines.slice(before).filter((l) => l.includes('"audit"')).map((l) => JSON.parse(l).audit);
  t.equal(audits.length, requests.length, 'one line each');
  requests.forEach(([url, , fields], i) => t.match(audits[i], { ...fields, version: '007', decision: 'allowed' }, url));
  t.notOk(logLines.slice(before).some((l) => l.includes(APP_CERTIFICATE)), 'never the certificate');
});

t.test('the tokens-minted metric counts each family type', async (t) => {
  const app = await build(t);
  const mint = async (url: string, payload: unknown) => t.equal((await app.inject(post(url, payload))).statusCode, 200, url);
  await mint('/v1/tokens/apaas', { roomUuid: 'r', userUuid: 'u', role: 'student' });
  await mint('/v1/tokens/apaas', { userUuid: 'u' });
  await mint('/v1/tokens/apaas', {});
  await mint('/v1/tokens/apaas', {});
  await mint('/v1/tokens/convoai', { channelName: 'c', uid: 1 });
  await mint('/v1/tokens/stt', { channelName: 'c', uid: 1 });
  await mint('/v1/tokens/fpa', {});
  await mint('/v1/tokens/rtm', { userId: 'u', permissions: { users: { read: ['v'] } } });
  const text = (await app.inject({ url: '/metrics' })).body;
  const count = (type: string) => Number(new RegExp(`token_server_tokens_minted_total\\{type="${type}",version="007"\\} (\\d+)`).exec(text)?.[1]);
  t.same(
    Object.fromEntries(['apaas_room_user', 'apaas_user', 'apaas_app', 'convoai', 'stt', 'fpa', 'rtm2', 'rtm'].map((type) => [type, count(type)])),
    { apaas_room_user: 1, apaas_user: 1, apaas_app: 2, convoai: 1, stt: 1, fpa: 1, rtm2: 1, rtm: NaN },
    'one series per type; an RTM 2 token is not counted as rtm',
  );
});
