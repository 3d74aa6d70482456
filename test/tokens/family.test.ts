/**
 * The token family beyond plain RTC/RTM/Chat, at the minter: per-privilege RTC
 * lifetimes, RTC + RTM with their own identities and lifetimes, RTM 2 resource
 * permissions, Flexible Classroom (APaaS), ConvoAI, STT and FPA. Every token is
 * decoded field by field with the codec, verified with the certificate, and its
 * services compared with what Agora's own builder makes for the same input.
 */
import { createHash } from 'node:crypto';
import { createRequire } from 'node:module';
import t, { type Test } from 'tap';
import { decode007, verify007, type Decoded007 } from '../../src/tokens/codec.js';
import { createTokenMinter, roleOfPrivileges, type RtcInput } from '../../src/tokens/mint.js';
import { TokenInputError } from '../../src/tokens/rules.js';
import { APP_CERTIFICATE, APP_ID } from '../helper.js';

const NOW = 1_790_000_000;
const minter = createTokenMinter({ appId: APP_ID, appCertificate: APP_CERTIFICATE }, { now: () => NOW });

/** agora-token's public builders, driven as an app would (they read the clock and pick the salt). */
type Builder = Record<string, (...args: unknown[]) => string>;
const agora = createRequire(import.meta.url)('agora-token') as Record<string, Builder> & {
  Rtm2Permissions: new () => { add(r: number, p: number, names: string[]): void };
};

/** Decodes, checks the header fields every 007 token shares, and verifies the signature. */
function open(t: Test, token: string, expire: number): Decoded007 {
  const d = decode007(token);
  t.equal(d.appId, APP_ID, 'this server\'s App ID');
  t.equal(d.issueTs, NOW, 'issued at the reported time');
  t.equal(d.expire, expire, 'token lifetime as asked');
  t.ok(d.salt >= 1 && d.salt < 100_000_000, 'salt in Agora\'s range');
  t.ok(verify007(d, APP_CERTIFICATE), 'signed with the certificate');
  t.notOk(verify007(d, 'ffffffffffffffffffffffffffffffff'), 'and with no other');
  return d;
}

/** The services of a token made by Agora's builder: what ours must hold too. */
const servicesOf = (token: string) => decode007(token).services;

function rejects(t: Test, mint: () => unknown, field: string, message: RegExp) {
  t.throws(mint, TokenInputError, `${field}: TokenInputError`);
  t.throws(mint, { field, message }, `${field}: ${message}`);
}

t.test('RTC with per-privilege lifetimes: exactly the privileges named, each with its lifetime', async (t) => {
  const input: RtcInput = {
    channelName: 'stage',
    uid: 42,
    role: 'publisher',
    expireSeconds: 3600,
    privileges: { joinChannel: 3600, publishAudio: 600, publishVideo: 300, publishData: 60 },
    version: '007',
  };
  const m = minter.rtc(input);
  const d = open(t, m.token, 3600);
  t.same(d.services, [{ type: 1, name: 'rtc', privileges: { 1: 3600, 2: 600, 3: 300, 4: 60 }, channelName: 'stage', uid: '42' }]);
  t.equal(m.expiresAt, NOW + 60, 'expiresAt: the first privilege to run out');
  const theirs = agora.RtcTokenBuilder!.buildTokenWithUidAndPrivilege!(APP_ID, APP_CERTIFICATE, 'stage', 42, 3600, 3600, 600, 300, 60);
  t.same(d.services, servicesOf(theirs), 'the services buildTokenWithUidAndPrivilege makes');

  const audio = minter.rtc({ ...input, userAccount: 'alice', uid: undefined, privileges: { joinChannel: 900, publishAudio: 120 } });
  t.same(open(t, audio.token, 3600).services, [{ type: 1, name: 'rtc', privileges: { 1: 900, 2: 120 }, channelName: 'stage', uid: 'alice' }], 'audio-only co-host');
  t.equal(roleOfPrivileges({ joinChannel: 1, publishAudio: 1 }), 'publisher');
  t.equal(roleOfPrivileges({ joinChannel: 1, publishVideo: 1 }), 'publisher');
  t.equal(roleOfPrivileges({ joinChannel: 1, publishData: 1 }), 'publisher');
  t.equal(roleOfPrivileges({ joinChannel: 1 }), 'subscriber');
});

t.test('per-privilege lifetimes: Agora\'s rules, named by field', async (t) => {
  const base: RtcInput = { channelName: 'c', uid: 1, role: 'subscriber', expireSeconds: 600, version: '007', privileges: { joinChannel: 60 } };
  rejects(t, () => minter.rtc({ ...base, privileges: { joinChannel: 601 } }), 'privileges.joinChannel', /from 1 to 600/);
  rejects(t, () => minter.rtc({ ...base, privileges: { joinChannel: 60, publishVideo: 0 } }), 'privileges.publishVideo', /from 1 to 600/);
  rejects(t, () => minter.rtc({ ...base, privileges: { joinChannel: 60, publishData: 1_795_850_353 } }), 'privileges.publishData', /absolute unix timestamp/);
  rejects(t, () => minter.rtc({ ...base, privileges: { joinChannel: 60, publishAudio: 1.5 } }), 'privileges.publishAudio', /whole number/);
  rejects(t, () => minter.rtc({ ...base, privileges: {} as never }), 'privileges.joinChannel', /required/);
  rejects(t, () => minter.rtc({ ...base, privilegeExpireSeconds: 60 }), 'privilegeExpireSeconds', /cannot be combined with privileges/);
  rejects(t, () => minter.rtc({ ...base, version: '006' }), 'privileges', /only supported by version 007/);
});

t.test('RTC + RTM combined (buildTokenWithRtm2): own RTM id, RTM lifetime, per-privilege RTC lifetimes', async (t) => {
  const m = minter.rtcRtm({
    channelName: 'c',
    userAccount: 'alice',
    rtmUserId: 'alice-rtm',
    role: 'publisher',
    expireSeconds: 3600,
    privileges: { joinChannel: 3000, publishAudio: 1200, publishVideo: 1100, publishData: 1000 },
    rtmExpireSeconds: 1800,
    combined: true,
    version: '007',
  });
  t.equal(m.rtcToken, m.rtmToken);
  t.equal(m.rtmUserId, 'alice-rtm');
  const d = open(t, m.rtcToken, 3600);
  t.same(d.services, [
    { type: 1, name: 'rtc', privileges: { 1: 3000, 2: 1200, 3: 1100, 4: 1000 }, channelName: 'c', uid: 'alice' },
    { type: 2, name: 'rtm', privileges: { 1: 1800 }, userId: 'alice-rtm' },
  ]);
  t.equal(m.expiresAt, NOW + 1000, 'the first of all privileges');
  const theirs = agora.RtcTokenBuilder!.buildTokenWithRtm2!(APP_ID, APP_CERTIFICATE, 'c', 'alice', 1, 3600, 3000, 1200, 1100, 1000, 'alice-rtm', 1800);
  t.same(d.services, servicesOf(theirs), 'the services buildTokenWithRtm2 makes');

  const two = minter.rtcRtm({ channelName: 'c', uid: 5, role: 'subscriber', expireSeconds: 600, rtmExpireSeconds: 300, version: '007' });
  t.same(open(t, two.rtmToken, 300).services, [{ type: 2, name: 'rtm', privileges: { 1: 300 }, userId: '5' }], 'separate RTM token lives rtmExpireSeconds');
  t.same(open(t, two.rtcToken, 600).services[0]?.privileges, { 1: 600 });
  t.equal(two.expiresAt, NOW + 300);

  rejects(t, () => minter.rtcRtm({ channelName: 'c', uid: 5, role: 'subscriber', expireSeconds: 600, rtmExpireSeconds: 601, version: '007' }), 'rtmExpireSeconds', /from 1 to 600/);
});

t.test('RTM 2 with resource permissions', async (t) => {
  const permissions = {
    messageChannels: { read: ['lobby', 'news'], write: ['lobby'] },
    streamChannels: { read: ['stage'] },
    groupChannels: { write: ['g1'] },
    serverGroups: { read: ['ops'] },
    users: { read: ['bob'], write: ['carol'] },
  };
  const m = minter.rtm({ userId: 'alice', expireSeconds: 900, version: '007', permissions });
  const d = open(t, m.token, 900);
  t.same(d.services, [
    {
      type: 8,
      name: 'rtm2',
      privileges: { 1: 900 },
      userId: 'alice',
      permissions: [
        { resourceType: 0, resource: 'messageChannels', permissionType: 0, permission: 'read', resources: ['lobby', 'news'] },
        { resourceType: 0, resource: 'messageChannels', permissionType: 1, permission: 'write', resources: ['lobby'] },
        { resourceType: 1, resource: 'streamChannels', permissionType: 0, permission: 'read', resources: ['stage'] },
        { resourceType: 2, resource: 'groupChannels', permissionType: 1, permission: 'write', resources: ['g1'] },
        { resourceType: 3, resource: 'serverGroups', permissionType: 0, permission: 'read', resources: ['ops'] },
        { resourceType: 4, resource: 'users', permissionType: 0, permission: 'read', resources: ['bob'] },
        { resourceType: 4, resource: 'users', permissionType: 1, permission: 'write', resources: ['carol'] },
      ],
    },
  ]);
  const p = new agora.Rtm2Permissions();
  p.add(0, 0, ['lobby', 'news']);
  p.add(0, 1, ['lobby']);
  p.add(1, 0, ['stage']);
  p.add(2, 1, ['g1']);
  p.add(3, 0, ['ops']);
  p.add(4, 0, ['bob']);
  p.add(4, 1, ['carol']);
  t.same(d.services, servicesOf(agora.RtmTokenBuilder!.buildTokenWithPermissions!(APP_ID, APP_CERTIFICATE, 'alice', p, 900)), 'the services buildTokenWithPermissions makes');

  const v = (permissions: unknown) => () => minter.rtm({ userId: 'alice', expireSeconds: 60, version: '007', permissions: permissions as never });
  rejects(t, v({}), 'permissions', /at least one resource name/);
  rejects(t, v({ users: {} }), 'permissions', /at least one resource name/);
  rejects(t, v({ users: { read: [] } }), 'permissions.users.read', /at least one name/);
  rejects(t, v({ users: { read: ['a', 'a'] } }), 'permissions.users.read', /twice/);
  rejects(t, v({ users: { read: [' lead'] } }), 'permissions.users.read.0', /RTM user id/);
  rejects(t, v({ messageChannels: { write: ['ok', 'bad/name'] } }), 'permissions.messageChannels.write.1', /channel name/);
  rejects(t, v({ streamChannels: { read: ['x'.repeat(64)] } }), 'permissions.streamChannels.read.0', /at most 63 bytes/);
  rejects(t, v({ groupChannels: { read: Array.from({ length: 17 }, (_, i) => `g${i}`) } }), 'permissions.groupChannels.read', /at most 16 names/);
  const many = (prefix: string) => ({ read: Array.from({ length: 16 }, (_, i) => `${prefix}${i}`), write: [`${prefix}w`] });
  rejects(t, v({ messageChannels: many('m'), streamChannels: many('s') }), 'permissions', /at most 32 names in all/);
  rejects(t, () => minter.rtm({ userId: 'alice', expireSeconds: 60, version: '006', permissions: { users: { read: ['bob'] } } }), 'permissions', /version 007/);

  // The largest permission set allowed, with names that do not compress, still makes a token the inspector accepts.
  const random = (i: number) => createHash('sha256').update(String(i)).digest('base64').replace(/[^a-zA-Z0-9]/g, '').slice(0, 30).padEnd(63, String(i % 10));
  const biggest = { messageChannels: { read: Array.from({ length: 16 }, (_, i) => random(i)), write: Array.from({ length: 16 }, (_, i) => random(i + 100)) } };
  const big = minter.rtm({ userId: 'alice', expireSeconds: 60, version: '007', permissions: biggest });
  t.ok(big.token.length < 4096, `largest permission token: ${big.token.length} characters`);
  t.equal(open(t, big.token, 60).services[0]?.permissions?.length, 2);
});

t.test('Flexible Classroom (APaaS): room-user, user and app tokens', async (t) => {
  const roomUser = minter.apaas({ roomUuid: 'class-1', userUuid: 'stu-7', role: 'student', expireSeconds: 1200 });
  t.equal(roomUser.kind, 'roomUser');
  const chatUserId = createHash('md5').update('stu-7').digest('hex');
  t.equal(roomUser.chatUserId, chatUserId);
  const d = open(t, roomUser.token, 1200);
  t.same(d.services, [
    { type: 2, name: 'rtm', privileges: { 1: 1200 }, userId: 'stu-7' },
    { type: 5, name: 'chat', privileges: { 1: 1200 }, userId: chatUserId },
    { type: 7, name: 'apaas', privileges: { 1: 1200 }, roomUuid: 'class-1', userUuid: 'stu-7', role: 2 },
  ]);
  // Agora's Node builder leaves the room-user privilege out (its Go/Java/Python builders add it); otherwise the same.
  const theirs = servicesOf(agora.ApaasTokenBuilder!.buildRoomUserToken!(APP_ID, APP_CERTIFICATE, 'class-1', 'stu-7', 2, 1200));
  t.same(d.services.map((s) => (s.name === 'apaas' ? { ...s, privileges: {} } : s)), theirs, 'the services buildRoomUserToken makes');

  const invisible = minter.apaas({ roomUuid: 'class-1', userUuid: 'obs', role: 'invisible', expireSeconds: 60 });
  t.equal(open(t, invisible.token, 60).services.find((s) => s.name === 'apaas')?.role, 0, 'role 0 stays 0 (the library would write -1)');
  for (const [role, n] of [['teacher', 1], ['assistant', 3], ['observer', 4]] as const) {
    t.equal(decode007(minter.apaas({ roomUuid: 'r', userUuid: 'u', role, expireSeconds: 60 }).token).services[2]?.role, n, `${role} = ${n}`);
  }

  const user = minter.apaas({ userUuid: 'stu-7', expireSeconds: 600 });
  t.equal(user.kind, 'user');
  t.equal(user.chatUserId, undefined);
  t.same(open(t, user.token, 600).services, [{ type: 7, name: 'apaas', privileges: { 2: 600 }, roomUuid: '', userUuid: 'stu-7', role: -1 }]);
  t.same(decode007(user.token).services, servicesOf(agora.ApaasTokenBuilder!.buildUserToken!(APP_ID, APP_CERTIFICATE, 'stu-7', 600)), 'the services buildUserToken makes');

  const app = minter.apaas({ expireSeconds: 300 });
  t.equal(app.kind, 'app');
  t.same(open(t, app.token, 300).services, [{ type: 7, name: 'apaas', privileges: { 3: 300 }, roomUuid: '', userUuid: '', role: -1 }]);
  t.same(decode007(app.token).services, servicesOf(agora.ApaasTokenBuilder!.buildAppToken!(APP_ID, APP_CERTIFICATE, 300)), 'the services buildAppToken makes');
  t.equal(app.expiresAt, NOW + 300);

  rejects(t, () => minter.apaas({ roomUuid: 'r', role: 'student', expireSeconds: 60 }), 'userUuid', /required with roomUuid/);
  rejects(t, () => minter.apaas({ roomUuid: 'r', userUuid: 'u', expireSeconds: 60 }), 'role', /required with roomUuid/);
  rejects(t, () => minter.apaas({ userUuid: 'u', role: 'student', expireSeconds: 60 }), 'role', /only applies to a room-user token/);
  rejects(t, () => minter.apaas({ roomUuid: 'bad/room', userUuid: 'u', role: 'student', expireSeconds: 60 }), 'roomUuid', /channel name/);
  rejects(t, () => minter.apaas({ userUuid: ' u', expireSeconds: 60 }), 'userUuid', /RTM user id/);
  rejects(t, () => minter.apaas({ expireSeconds: 86_401 }), 'expireSeconds', /from 1 to 86400/);
});

t.test('ConvoAI and STT: the agent\'s RTC + RTM identity and the service, as Agora\'s builders make them', async (t) => {
  for (const kind of ['convoai', 'stt'] as const) {
    const m = minter[kind]({
      channelName: 'support',
      uid: 1001,
      rtmUserId: 'agent-1001',
      role: 'publisher',
      expireSeconds: 3600,
      privilegeExpireSeconds: 1800,
      rtmExpireSeconds: 900,
    });
    t.equal(m.rtmUserId, 'agent-1001');
    t.equal(m.version, '007');
    t.equal(m.expiresAt, NOW + 900);
    const d = open(t, m.token, 3600);
    t.same(d.services, [
      { type: 1, name: 'rtc', privileges: { 1: 1800, 2: 1800, 3: 1800, 4: 1800 }, channelName: 'support', uid: '1001' },
      { type: 2, name: 'rtm', privileges: { 1: 900 }, userId: 'agent-1001' },
      kind === 'convoai' ? { type: 9, name: 'convoai', privileges: {} } : { type: 10, name: 'stt', privileges: {} },
    ]);
    const builder = kind === 'convoai' ? agora.ConvoAITokenBuilder! : agora.SttTokenBuilder!;
    t.same(d.services, servicesOf(builder.buildToken!(APP_ID, APP_CERTIFICATE, 'support', 1001, 1, 3600, 1800, 1800, 1800, 1800, 'agent-1001', 900)), `the services ${kind} buildToken makes`);

    const sub = minter[kind]({ channelName: 'support', userAccount: 'bot', role: 'subscriber', expireSeconds: 600, privileges: { joinChannel: 300 } });
    t.same(open(t, sub.token, 600).services.slice(0, 2), [
      { type: 1, name: 'rtc', privileges: { 1: 300 }, channelName: 'support', uid: 'bot' },
      { type: 2, name: 'rtm', privileges: { 1: 600 }, userId: 'bot' },
    ], `${kind}: per-privilege lifetimes; the RTM id defaults to the account`);
    rejects(t, () => minter[kind]({ channelName: 'c', uid: 0, role: 'subscriber', expireSeconds: 60 }), 'rtmUserId', /required when the RTC user is the wildcard 0/);
  }
});

t.test('FPA: login privilege without a limit of its own, the token lifetime as asked', async (t) => {
  const m = minter.fpa({ expireSeconds: 7200 });
  const d = open(t, m.token, 7200);
  t.same(d.services, [{ type: 4, name: 'fpa', privileges: { 1: 0 } }]);
  t.same(d.services, servicesOf(agora.FpaTokenBuilder!.buildToken!(APP_ID, APP_CERTIFICATE)), 'the services FpaTokenBuilder makes');
  t.equal(m.expiresAt, NOW + 7200);
  rejects(t, () => minter.fpa({ expireSeconds: 0 }), 'expireSeconds', /from 1 to 86400/);
});

t.test('RTM 2 permission types the codec does not know are shown by number', async (t) => {
  const p = new agora.Rtm2Permissions();
  p.add(9, 5, ['x']);
  const d = decode007(agora.RtmTokenBuilder!.buildTokenWithPermissions!(APP_ID, APP_CERTIFICATE, 'alice', p, 60));
  t.same(d.services[0]?.permissions, [{ resourceType: 9, resource: 'type-9', permissionType: 5, permission: 'type-5', resources: ['x'] }]);
});
