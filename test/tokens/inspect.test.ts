/**
 * The inspector's explanations, one per problem code, for both formats, with
 * tokens minted by our minter at a pinned clock and inspected at chosen times.
 */
import fc from 'fast-check';
import t from 'tap';
import { PROBLEM_CODES, inspectToken, type InspectOptions, type Inspection, type ProblemCode } from '../../src/tokens/inspect.js';
import { createTokenMinter } from '../../src/tokens/mint.js';
import { APP_CERTIFICATE, APP_ID } from '../helper.js';
import { createRequire } from 'node:module';

const NOW = 1_790_000_000;
const OTHER_CERT = '00000000000000000000000000000001';
const OTHER_APP = 'abcdefabcdefabcdefabcdefabcdef12';
const minter = createTokenMinter({ appId: APP_ID, appCertificate: APP_CERTIFICATE }, { now: () => NOW });

const rtc7 = (extra: Partial<Parameters<typeof minter.rtc>[0]> = {}) =>
  minter.rtc({ channelName: 'room', uid: 42, role: 'publisher', expireSeconds: 600, version: '007', ...extra }).token;
const rtc6 = (extra: Partial<Parameters<typeof minter.rtc>[0]> = {}) =>
  minter.rtc({ channelName: 'room', uid: 42, role: 'publisher', expireSeconds: 600, version: '006', ...extra }).token;

function inspect(token: string, opts: Partial<InspectOptions> = {}): Inspection {
  const r = inspectToken(token, { now: NOW + 60, appId: APP_ID, appCertificate: APP_CERTIFICATE, ...opts });
  if (!r.ok) throw new Error(r.error.message);
  return r.inspection;
}
const codes = (i: Inspection) => i.problems.map((p) => p.code);

t.test('a good 007 token: every field, no problems', async (t) => {
  const i = inspect(rtc7(), { expect: { channelName: 'room', uid: 42 } });
  t.same(codes(i), []);
  t.match(i, {
    valid: true,
    version: '007',
    appId: APP_ID,
    appIdMatches: true,
    issuedAt: new Date(NOW * 1000).toISOString(),
    issuedAtUnix: NOW,
    expiresAtUnix: NOW + 600,
    expiresInSeconds: 540,
    expired: false,
    signature: 'valid',
    signatureValid: true,
  });
  t.same(i.services[0], {
    type: 1,
    name: 'rtc',
    channelName: 'room',
    uid: 42,
    privileges: ['joinChannel', 'publishAudioStream', 'publishVideoStream', 'publishDataStream'].map((name, n) => ({
      privilege: n + 1,
      name,
      expiresAt: new Date((NOW + 600) * 1000).toISOString(),
      expiresAtUnix: NOW + 600,
      expiresInSeconds: 540,
      expired: false,
    })),
  });
});

t.test('expiry: the token, and a privilege that ends before it', async (t) => {
  const expired = inspect(rtc7(), { now: NOW + 700 });
  t.same(codes(expired), ['TOKEN_EXPIRED']);
  t.match(expired, { valid: false, expired: true, expiresInSeconds: -100 });
  t.match(expired.problems[0]?.message, /expired at 2026-.*, 100 s ago/);

  const early = inspect(rtc7({ privilegeExpireSeconds: 120 }), { now: NOW + 300 });
  t.same(codes(early), ['PRIVILEGE_EXPIRED', 'PRIVILEGE_EXPIRED', 'PRIVILEGE_EXPIRED', 'PRIVILEGE_EXPIRED']);
  t.match(early.problems[0], { severity: 'error', service: 'rtc', privilege: 'joinChannel', message: /joining the channel is refused/ });
  t.match(early.problems[1], { privilege: 'publishAudioStream', message: /co-host authentication/ });
  t.match(early.services[0]?.privileges[0], { expiresAtUnix: NOW + 120, expired: true, expiresInSeconds: -180 });
  t.same(codes(inspect(rtc7({ privilegeExpireSeconds: 120 }), { now: NOW + 60 })), [], 'before it ends, no problem');
});

t.test('App ID and signature', async (t) => {
  t.same(codes(inspect(rtc7(), { appId: OTHER_APP })), ['APP_ID_MISMATCH'], 'another App ID says so (not also "bad signature")');
  t.match(inspect(rtc7(), { appId: OTHER_APP.toUpperCase() }).problems[0]?.message, new RegExp(`belongs to App ID ${APP_ID}`));
  t.same(codes(inspect(rtc7(), { appId: APP_ID.toUpperCase() })), [], 'App IDs compare without case');
  const bad = inspect(rtc7(), { appCertificate: OTHER_CERT });
  t.same(codes(bad), ['SIGNATURE_INVALID']);
  t.match(bad, { signature: 'invalid', signatureValid: false, valid: false });
  const unchecked = inspect(rtc7(), { appCertificate: undefined, appId: undefined });
  t.same(codes(unchecked), ['SIGNATURE_UNCHECKED']);
  t.match(unchecked, { signature: 'unchecked', valid: true, problems: [{ severity: 'warning', message: /No App Certificate/ }] });
  t.notOk('appIdMatches' in unchecked, 'no App ID given: no verdict on it');
  for (const p of [...bad.problems, ...unchecked.problems]) t.notMatch(p.message, APP_CERTIFICATE, 'no message holds the certificate');
});

t.test('007 identity: channel, uid, the wildcard and the account/uid trap (error 110)', async (t) => {
  const cases: [string, string, InspectOptions['expect'], ProblemCode[]][] = [
    ['right channel and uid', rtc7(), { channelName: 'room', uid: 42 }, []],
    ['another channel', rtc7(), { channelName: 'hall' }, ['CHANNEL_MISMATCH']],
    ['another uid', rtc7(), { uid: 43 }, ['UID_MISMATCH']],
    ['uid 0 (let Agora assign one) with a token for 42', rtc7(), { uid: 0 }, ['UID_MISMATCH']],
    ['wildcard token, any uid', rtc7({ uid: 0 }), { uid: 77 }, ['WILDCARD_UID']],
    ['account "0" is no wildcard', rtc7({ uid: undefined, userAccount: '0' }), { uid: 0 }, ['ACCOUNT_TOKEN_USED_WITH_UID']],
    ['account token joined with a uid', rtc7({ uid: undefined, userAccount: 'alice' }), { uid: 42 }, ['ACCOUNT_TOKEN_USED_WITH_UID']],
    ['"01234" is an account, not uid 1234', rtc7({ uid: undefined, userAccount: '01234' }), { uid: 1234 }, ['ACCOUNT_TOKEN_USED_WITH_UID']],
    ['uid token joined with an account', rtc7(), { userAccount: 'alice' }, ['UID_TOKEN_USED_WITH_ACCOUNT']],
    ['account token, right account', rtc7({ uid: undefined, userAccount: 'alice' }), { userAccount: 'alice' }, []],
    ['account token, other account', rtc7({ uid: undefined, userAccount: 'alice' }), { userAccount: 'bob' }, ['UID_MISMATCH']],
    ['digits-only account', rtc7(), { userAccount: '42' }, ['DIGITS_ACCOUNT']],
    ['RTM token asked about a channel', minter.rtm({ userId: 'alice', expireSeconds: 600, version: '007' }).token, { channelName: 'room' }, ['NO_RTC_SERVICE']],
    ['RTM token, right user id', minter.rtm({ userId: 'alice', expireSeconds: 600, version: '007' }).token, { userAccount: 'alice' }, []],
    ['RTM token, other user id', minter.rtm({ userId: 'alice', expireSeconds: 600, version: '007' }).token, { userAccount: 'bob' }, ['USER_ID_MISMATCH']],
    ['Chat app token: no user to compare', minter.chat({ expireSeconds: 600 }).token, { userAccount: 'bob' }, []],
  ];
  for (const [what, token, expect, want] of cases) t.same(codes(inspect(token, { expect })), want, what);
  t.match(inspect(rtc7({ uid: undefined, userAccount: '0' }), { expect: { uid: 0 } }).problems[0]?.message, /the wildcard is the number 0, not the account "0"/);
  t.match(inspect(rtc7(), { expect: { uid: 0 } }).problems[0]?.message, /uid 0 asks Agora to assign a uid/);
  t.match(inspect(rtc7({ uid: undefined, userAccount: 'alice' }), { expect: { uid: 42 } }).services[0], { userAccount: 'alice' });
  t.match(inspect(rtc7({ uid: 0 })).services[0], { uid: 0 });
  t.match(inspect(minter.chat({ userId: 'carol', expireSeconds: 600 }).token, { expect: { userAccount: 'dave' } }).problems, [
    { code: 'USER_ID_MISMATCH', service: 'chat', message: /minted for the chat user id "carol", but the app logs in as "dave"/ },
  ]);
  t.match(inspect(rtc7({ uid: 0 })).problems, [{ code: 'WILDCARD_UID', severity: 'warning' }], 'the wildcard is a warning even with nothing expected');
});

t.test('007: lifetime above 24 h, an absolute timestamp as lifetime, a clock ahead, no join privilege', async (t) => {
  const lib = createRequire(import.meta.url)('agora-token/src/AccessToken2.js');
  const make = (issue: number, expire: number, privileges: Record<number, number>) => {
    const token = new lib.AccessToken2(APP_ID, APP_CERTIFICATE, issue, expire);
    const rtc = new lib.ServiceRtc('room', 42);
    for (const [p, e] of Object.entries(privileges)) rtc.add_privilege(Number(p), e);
    token.add_service(rtc);
    return token.build() as string;
  };
  t.same(codes(inspect(make(NOW, 90_000, { 1: 0 }))), ['LIFETIME_ABOVE_24H']);
  t.match(inspect(make(NOW, NOW + 3600, { 1: 0 })).problems[0]?.message, /absolute unix timestamp/);
  t.same(codes(inspect(make(NOW + 3600, 600, { 1: 600 }))), ['ISSUED_IN_FUTURE']);
  t.same(codes(inspect(make(NOW, 600, { 2: 600 }))), ['NO_JOIN_PRIVILEGE']);
  const zero = inspect(make(NOW, 600, { 1: 0 }));
  t.equal(zero.services[0]?.privileges[0]?.expiresAtUnix, NOW + 600, 'privilege 0 lasts as long as the token');
  const longer = inspect(make(NOW, 600, { 1: 6000 }));
  t.equal(longer.services[0]?.privileges[0]?.expiresAtUnix, NOW + 600, 'a privilege never outlives its token');
  t.same(inspect(make(NOW, 600, { 9: 600 })).services[0]?.privileges[0]?.name, 'privilege-9', 'unknown privileges are named by number');
  t.match(inspect(make(NOW, 6000, { 1: 0, 9: 60 }), { now: NOW + 6000 + 9000 }).problems, [{ code: 'TOKEN_EXPIRED', message: /2.5 h ago/ }]);
  t.match(inspect(make(NOW, 86_400, { 1: 0, 9: 60 }), { now: NOW + 120 }).problems, [{ code: 'PRIVILEGE_EXPIRED', privilege: 'privilege-9', message: /60 s ago.*: it is refused/ }]);
  t.match(inspect(make(NOW, 6000, { 1: 0 }), { now: NOW + 260_000 }).problems, [{ code: 'TOKEN_EXPIRED', message: /3 days ago/ }]);
  t.match(inspect(make(NOW, 6000, { 1: 0 }), { now: NOW + 6600 }).problems, [{ code: 'TOKEN_EXPIRED', message: /10 min ago/ }]);
});

t.test('007 services other than RTC show their bodies', async (t) => {
  const chatApp = inspect(minter.chat({ expireSeconds: 600 }).token);
  t.same(chatApp.services, [
    {
      type: 5,
      name: 'chat',
      userId: '',
      privileges: [{ privilege: 2, name: 'app', expiresAt: new Date((NOW + 600) * 1000).toISOString(), expiresAtUnix: NOW + 600, expiresInSeconds: 540, expired: false }],
    },
  ]);
  const combined = inspect(minter.rtcRtm({ channelName: 'room', uid: 42, role: 'subscriber', expireSeconds: 600, version: '007', combined: true }).rtcToken);
  t.match(combined.services, [{ name: 'rtc', uid: 42 }, { name: 'rtm', userId: '42', privileges: [{ name: 'login' }] }]);
});

t.test('the token family: no false problems, and the checks that do apply to each service', async (t) => {
  const at = (seconds: number) => ({ expiresAtUnix: NOW + seconds, expiresInSeconds: seconds - 60, expired: false });
  // APaaS room-user: RTM + Chat + APaaS, no RTC. The class's channel is its roomUuid; the user its userUuid.
  const roomUser = minter.apaas({ roomUuid: 'class-101', userUuid: 'alice', role: 'student', expireSeconds: 600 }).token;
  const r = inspect(roomUser, { expect: { channelName: 'class-101', userAccount: 'alice' } });
  t.same(codes(r), [], 'the class and user it was minted for');
  t.match(r.services, [{ name: 'rtm', userId: 'alice' }, { name: 'chat' }, { name: 'apaas', roomUuid: 'class-101', userUuid: 'alice', role: 2, privileges: [{ name: 'roomUser' }] }]);
  t.match(inspect(roomUser, { expect: { channelName: 'class-102' } }).problems, [{ code: 'CHANNEL_MISMATCH', service: 'apaas', message: /Flexible Classroom room "class-101"/ }]);
  t.match(inspect(roomUser, { expect: { userAccount: 'bob' } }).problems, [{ code: 'USER_ID_MISMATCH' }]);
  t.same(codes(inspect(roomUser, { expect: { channelName: 'class-101', uid: 7 } })), ['NO_RTC_SERVICE'], 'an integer uid means joinChannel, which it cannot');
  // APaaS user: no room, so a user account is compared with its userUuid.
  const user = minter.apaas({ userUuid: 'alice', expireSeconds: 600 }).token;
  t.same(codes(inspect(user, { expect: { userAccount: 'alice' } })), []);
  t.match(inspect(user, { expect: { userAccount: 'bob' } }).problems, [{ code: 'USER_ID_MISMATCH', service: 'apaas', message: /apaas user id "alice"/ }]);
  // APaaS app and FPA: app-level, no user and no channel: nothing to mismatch, and FPA's unlimited privilege lives as long as the token.
  const app = inspect(minter.apaas({ expireSeconds: 600 }).token, { expect: { userAccount: 'alice' } });
  t.same(codes(app), [], 'an app token has no user: no user problem');
  t.match(app.services, [{ name: 'apaas', roomUuid: '', userUuid: '', privileges: [{ name: 'app', ...at(600) }] }]);
  const fpa = inspect(minter.fpa({ expireSeconds: 600 }).token, { expect: { userAccount: 'alice' } });
  t.same(codes(fpa), []);
  t.same(fpa.services, [{ type: 4, name: 'fpa', privileges: [{ privilege: 1, name: 'login', expiresAt: new Date((NOW + 600) * 1000).toISOString(), ...at(600) }] }]);
  // ConvoAI / STT: RTC + RTM + the service, which carries no privilege (as ConvoAITokenBuilder / SttTokenBuilder make it).
  for (const kind of ['convoai', 'stt'] as const) {
    const agent = minter[kind]({ channelName: 'room', uid: 1001, rtmUserId: 'agent-1001', role: 'publisher', expireSeconds: 600 }).token;
    const i = inspect(agent, { expect: { channelName: 'room', uid: 1001 } });
    t.same(codes(i), [], kind);
    t.match(i.services, [{ name: 'rtc', uid: 1001 }, { name: 'rtm', userId: 'agent-1001' }, { name: kind, privileges: [] }], kind);
    t.same(codes(inspect(agent, { expect: { channelName: 'room', uid: 1002 } })), ['UID_MISMATCH'], `${kind}: the RTC identity is checked`);
  }
  // RTC with per-privilege lifetimes: publishing ends before joining, which is no problem until it has.
  const privileged = minter.rtc({ channelName: 'room', uid: 42, role: 'publisher', expireSeconds: 600, version: '007', privileges: { joinChannel: 600, publishAudio: 120 } }).token;
  t.same(codes(inspect(privileged, { expect: { channelName: 'room', uid: 42 } })), []);
  t.match(inspect(privileged, { now: NOW + 200 }).problems, [{ code: 'PRIVILEGE_EXPIRED', privilege: 'publishAudioStream' }]);
  // RTM 2 with permissions, and the combined RTC + RTM token with its own RTM identity.
  const rtm2 = minter.rtm({ userId: 'alice', expireSeconds: 600, version: '007', permissions: { messageChannels: { read: ['lobby'] } } }).token;
  const i2 = inspect(rtm2, { expect: { userAccount: 'alice' } });
  t.same(codes(i2), []);
  t.match(i2.services, [{ name: 'rtm2', userId: 'alice', permissions: [{ resource: 'messageChannels', permission: 'read', resources: ['lobby'] }] }]);
  const pair = minter.rtcRtm({ channelName: 'room', userAccount: 'carol', rtmUserId: 'carol-rtm', rtmExpireSeconds: 300, role: 'subscriber', expireSeconds: 600, version: '007', combined: true });
  t.same(codes(inspect(pair.rtcToken, { expect: { channelName: 'room', userAccount: 'carol' } })), []);
});

t.test('006: the identity is confirmed by CRC, and the signature checked, only with what the app joins with', async (t) => {
  const plain = inspect(rtc6());
  t.same(codes(plain), ['SIGNATURE_UNCHECKED']);
  // What Agora enforces is the privileges (600 s), not the message ts Agora's libraries put 24 h after minting.
  t.match(plain, {
    version: '006',
    signature: 'unchecked',
    valid: true,
    expiresAtUnix: NOW + 600,
    expiresInSeconds: 540,
    expired: false,
    messageExpiresAt: new Date((NOW + 86_400) * 1000).toISOString(),
    messageExpiresAtUnix: NOW + 86_400,
  });
  t.notOk('issuedAt' in plain, '006 carries no issue time');
  t.match(plain.problems[0]?.message, /give the channel and the uid/);
  t.match(plain.services, [{ type: 1, name: 'rtc', channelCrc32: Number, uidCrc32: Number, privileges: [{ name: 'joinChannel', expiresAtUnix: NOW + 600 }, {}, {}, {}] }]);
  t.notOk('channelName' in plain.services[0]!, 'the channel is unknown until someone names it');

  const right = inspect(rtc6(), { expect: { channelName: 'room', uid: 42 } });
  t.same(codes(right), []);
  t.match(right, { signature: 'valid', signatureValid: true, services: [{ channelName: 'room', uid: 42 }] });
  t.match(inspect(rtc6(), { expect: { channelName: 'room', uid: 42 }, appCertificate: OTHER_CERT }), { signature: 'invalid', problems: [{ code: 'SIGNATURE_INVALID' }] });
  t.same(codes(inspect(rtc6(), { expect: { channelName: 'hall', uid: 42 } })), ['CHANNEL_MISMATCH', 'SIGNATURE_UNCHECKED']);
  t.same(codes(inspect(rtc6(), { expect: { channelName: 'room', uid: 43 } })), ['UID_MISMATCH', 'SIGNATURE_UNCHECKED']);
  t.match(inspect(rtc6(), { expect: { channelName: 'room', userAccount: 'alice' } }).problems[0], { code: 'UID_MISMATCH', message: /not minted for the user account "alice"/ });
  t.same(codes(inspect(rtc6({ uid: undefined, userAccount: 'alice' }), { expect: { channelName: 'room', userAccount: 'alice' } })), []);
  t.same(codes(inspect(rtc6(), { expect: { channelName: 'room', userAccount: '42' } })), ['DIGITS_ACCOUNT'], '006 writes uid 42 and account "42" alike');
  t.same(codes(inspect(rtc6({ uid: 0 }), { expect: { channelName: 'room' } })), ['WILDCARD_UID'], 'the wildcard shows in the CRC, and verifies');
  t.match(inspect(rtc6({ uid: 0 }), { expect: { channelName: 'room', uid: 5 } }), { signature: 'valid', services: [{ uid: 0 }] });
  t.same(codes(inspect(rtc6({ uid: undefined, userAccount: '0' }), { expect: { channelName: 'room', uid: 0 } })), ['ACCOUNT_TOKEN_USED_WITH_UID', 'SIGNATURE_UNCHECKED']);
  const joinEnded = inspect(rtc6({ role: 'subscriber' }), { now: NOW + 700, expect: { channelName: 'room', uid: 42 } });
  t.same(codes(joinEnded), ['PRIVILEGE_EXPIRED'], 'join ended, the 24 h ts did not');
  t.match(joinEnded, { expired: true, expiresAtUnix: NOW + 600, expiresInSeconds: -100, messageExpiresAtUnix: NOW + 86_400 }, 'and the token is expired');

  t.same(codes(inspect(rtc6(), { now: NOW + 90_000 })), ['TOKEN_EXPIRED', 'SIGNATURE_UNCHECKED']);
});

t.test('006 RTM: the user id is the channel slot', async (t) => {
  const rtm = minter.rtm({ userId: 'alice', expireSeconds: 600, version: '006' }).token;
  const right = inspect(rtm, { expect: { userAccount: 'alice' } });
  t.same(codes(right), []);
  t.match(right, { signature: 'valid', services: [{ type: 2, name: 'rtm', userId: 'alice', privileges: [{ privilege: 1000, name: 'rtmLogin' }] }] });
  t.match(inspect(rtm), { signature: 'unchecked', services: [{ name: 'rtm' }] });
  t.same(codes(inspect(rtm, { expect: { channelName: 'room' } })), ['NO_RTC_SERVICE', 'SIGNATURE_UNCHECKED']);
  t.match(inspect(rtm, { expect: { userAccount: 'bob' } }).problems, [
    { code: 'USER_ID_MISMATCH', service: 'rtm', message: /not minted for the RTM user id "bob"/ },
    { code: 'SIGNATURE_UNCHECKED' },
  ]);
});

t.test('006 odd shapes: no privileges at all, and RTC with RTM login', async (t) => {
  const lib = createRequire(import.meta.url)('agora-access-token/src/AccessToken.js');
  const make = (privileges: Record<number, number>) => {
    const key = new lib.AccessToken(APP_ID, APP_CERTIFICATE, 'room', 42);
    key.ts = NOW + 86_400;
    for (const [p, e] of Object.entries(privileges)) key.addPriviledge(Number(p), e);
    return key.build() as string;
  };
  t.same(codes(inspect(make({}), { expect: { channelName: 'room', uid: 42 } })), ['NO_JOIN_PRIVILEGE']);
  // Expiry is the earliest privilege; a privilege of 0 (no limit of its own) ends with the message ts, as does none.
  t.match(inspect(make({ 1: NOW + 900, 2: NOW + 300 })), { expiresAtUnix: NOW + 300, messageExpiresAtUnix: NOW + 86_400 });
  t.match(inspect(make({ 1: 0 })), { expiresAtUnix: NOW + 86_400, expired: false });
  t.match(inspect(make({})), { expiresAtUnix: NOW + 86_400 });
  const both = inspect(make({ 1: NOW + 600, 1000: NOW + 600 }), { expect: { channelName: 'room', uid: 42 } });
  t.match(both, { signature: 'valid', services: [{ name: 'rtc', channelName: 'room' }, { name: 'rtm' }] });
});

t.test('text that is no token is a decode error, not an inspection', async (t) => {
  t.match(inspectToken('hello', { now: NOW }), { ok: false, error: { code: 'UNKNOWN_VERSION' } });
});

const FUZZ_RUNS = 1000;

t.test(`fuzz: ${FUZZ_RUNS} mutated tokens and random expectations never make the inspector throw`, async (t) => {
  const seeds = [rtc7(), rtc6(), minter.rtm({ userId: 'alice', expireSeconds: 600, version: '006' }).token, minter.chat({ expireSeconds: 600 }).token];
  let inspected = 0;
  fc.assert(
    fc.property(
      fc.constantFrom(...seeds),
      fc.nat(),
      fc.constantFrom(...'AZaz09+/='),
      fc.record({ channelName: fc.option(fc.string(), { nil: undefined }), uid: fc.option(fc.nat(), { nil: undefined }), userAccount: fc.option(fc.string(), { nil: undefined }) }),
      fc.integer({ min: 0, max: 2 ** 32 - 1 }),
      (seed, at, char, expect, now) => {
        const i = at % seed.length;
        const text = seed.slice(0, i) + char + seed.slice(i + 1);
        const r = inspectToken(text, { now, appId: APP_ID, appCertificate: APP_CERTIFICATE, expect });
        if (!r.ok) return;
        inspected++;
        // Whatever it says, it is consistent: valid exactly when no error, and never a word of the certificate.
        if (r.inspection.valid !== !r.inspection.problems.some((p) => p.severity === 'error')) throw new Error('valid disagrees with problems');
        if (JSON.stringify(r.inspection).includes(APP_CERTIFICATE)) throw new Error('certificate in the inspection');
      },
    ),
    { numRuns: FUZZ_RUNS },
  );
  t.ok(inspected > 0, `${inspected} of ${FUZZ_RUNS} mutated tokens still decoded and were explained`);
});

/** agora-token's own classes: they sign whatever names they are given, as a careless server would. */
const lib2 = createRequire(import.meta.url)('agora-token/src/AccessToken2.js') as Record<string, new (...args: unknown[]) => { add_privilege(p: number, e: number): void }> & {
  AccessToken2: new (a: string, c: string, i: number, e: number) => { add_service(s: unknown): void; build(): string };
};
function signed007(...services: [string, unknown[], number][]): string {
  return signed007At(NOW, 600, ...services);
}
function signed007At(issue: number, expire: number, ...services: [string, unknown[], number][]): string {
  const token = new lib2.AccessToken2(APP_ID, APP_CERTIFICATE, issue, expire);
  for (const [name, args, privilege] of services) {
    const s = new lib2[name]!(...args);
    s.add_privilege(privilege, 600);
    token.add_service(s);
  }
  return token.build();
}

/** A 006 token whose channel CRC was changed after signing. */
function crcAltered006(): string {
  const raw = Buffer.from(rtc6().slice(35), 'base64');
  // str(signature) is 2 + 32 bytes; the channel CRC follows.
  raw.writeUInt32LE((raw.readUInt32LE(34) ^ 1) >>> 0, 34);
  return `006${APP_ID}${raw.toString('base64')}`;
}

t.test('names Agora refuses (characters, length) are problems, quoted with escapes and cut short', async (t) => {
  const hostile = 'c\u0000\u202e<script>';
  const rtc = inspect(signed007(['ServiceRtc', [hostile, 42], 1]));
  t.equal(rtc.valid, false, 'signed, but unusable');
  t.match(rtc.problems, [{ code: 'NAME_NOT_ALLOWED', severity: 'error', service: 'rtc', message: /^The rtc service's channel name "c\\u0000\u202e<script>" contains characters Agora does not allow in a channel name: Agora rejects the token/ }]);
  t.equal(rtc.services[0]?.channelName, hostile, 'the name itself is reported as it is');
  t.match(codes(inspect(signed007(['ServiceRtc', ['room', 'é'], 1]))), ['NAME_NOT_ALLOWED'], 'a user account outside the set');
  t.match(inspect(signed007(['ServiceRtm', [' bob'], 1])).problems, [{ code: 'NAME_NOT_ALLOWED', service: 'rtm', message: /user id " bob" contains characters Agora does not allow in an RTM user id \(nor a leading space\)/ }]);
  t.match(inspect(signed007(['ServiceRtm2', ['a\nb'], 1])).problems, [{ code: 'NAME_NOT_ALLOWED', service: 'rtm2' }]);
  t.match(inspect(signed007(['ServiceChat', ['bob@x'], 1])).problems, [{ code: 'NAME_NOT_ALLOWED', service: 'chat', message: /in a Chat user id/ }]);
  const long = inspect(signed007(['ServiceRtc', ['x'.repeat(300), 42], 1]), { expect: { channelName: 'room' } });
  t.same(codes(long), ['NAME_NOT_ALLOWED', 'CHANNEL_MISMATCH']);
  for (const p of long.problems) t.match(p.message, `"${'x'.repeat(64)}"… (300 characters)`, `${p.code} quotes 64 characters, not 300`);
  t.match(long.problems[0]?.message, /must be at most 63 bytes/);
  // Empty names are none: the wildcard uid, app-level Chat tokens.
  t.same(codes(inspect(minter.chat({ expireSeconds: 600 }).token)), []);
});

t.test('APaaS user and app tokens have no role: none is reported', async (t) => {
  const user = inspect(signed007(['ServiceApaas', ['', 'u1', -1], 2]));
  t.notOk('role' in user.services[0]!, 'role -1 is no role');
  t.match(user.services[0], { name: 'apaas', userUuid: 'u1' });
  t.match(inspect(signed007(['ServiceApaas', ['class1', 'u1', 2], 1])).services[0], { role: 2 });
});

t.test('006 whose CRC was changed after signing: said to be altered, not minted for another channel', async (t) => {
  const good = rtc6();
  const raw = Buffer.from(good.slice(35), 'base64');
  // str(signature) is 2 + 32 bytes; the channel CRC follows.
  const tampered = Buffer.from(raw);
  tampered.writeUInt32LE((raw.readUInt32LE(34) ^ 1) >>> 0, 34);
  const text = `006${APP_ID}${tampered.toString('base64')}`;
  const altered = inspect(text, { expect: { channelName: 'room', uid: 42 } });
  t.same(codes(altered), ['TOKEN_ALTERED']);
  t.match(altered, { valid: false, signature: 'valid', services: [{ channelName: 'room', uid: 42 }] });
  t.match(altered.problems[0]?.message, /altered after signing.*CRC mismatch/);
  // The uid CRC too; and without a certificate nothing can tell: a plain mismatch.
  const uidTampered = Buffer.from(raw);
  uidTampered.writeUInt32LE((raw.readUInt32LE(38) ^ 1) >>> 0, 38);
  t.same(codes(inspect(`006${APP_ID}${uidTampered.toString('base64')}`, { expect: { channelName: 'room', uid: 42 } })), ['TOKEN_ALTERED']);
  t.same(codes(inspect(text, { expect: { channelName: 'room', uid: 42 }, appCertificate: undefined })), ['CHANNEL_MISMATCH', 'SIGNATURE_UNCHECKED']);
  // Another channel altogether still says so.
  t.same(codes(inspect(good, { expect: { channelName: 'hall', uid: 42 } })), ['CHANNEL_MISMATCH', 'SIGNATURE_UNCHECKED']);
});

t.test('every problem code has an example that produces it', async (t) => {
  // Keeps the list honest: a new code without an example fails the type check, one its example
  // no longer produces fails here. (The tests above check each code's wording and context.)
  const room = { channelName: 'room', uid: 42 };
  const rtm = () => minter.rtm({ userId: 'alice', expireSeconds: 600, version: '007' }).token;
  const examples: Record<ProblemCode, () => Inspection> = {
    TOKEN_EXPIRED: () => inspect(rtc7(), { now: NOW + 700 }),
    PRIVILEGE_EXPIRED: () => inspect(rtc7({ privilegeExpireSeconds: 120 }), { now: NOW + 300 }),
    NO_JOIN_PRIVILEGE: () => inspect(signed007(['ServiceRtc', ['room', 42], 2])),
    APP_ID_MISMATCH: () => inspect(rtc7(), { appId: OTHER_APP }),
    SIGNATURE_INVALID: () => inspect(rtc7(), { appCertificate: OTHER_CERT }),
    SIGNATURE_UNCHECKED: () => inspect(rtc7(), { appCertificate: undefined, appId: undefined }),
    NO_RTC_SERVICE: () => inspect(rtm(), { expect: { channelName: 'room' } }),
    CHANNEL_MISMATCH: () => inspect(rtc7(), { expect: { channelName: 'hall' } }),
    UID_MISMATCH: () => inspect(rtc7(), { expect: { uid: 43 } }),
    USER_ID_MISMATCH: () => inspect(rtm(), { expect: { userAccount: 'bob' } }),
    ACCOUNT_TOKEN_USED_WITH_UID: () => inspect(rtc7({ uid: undefined, userAccount: 'alice' }), { expect: { uid: 42 } }),
    UID_TOKEN_USED_WITH_ACCOUNT: () => inspect(rtc7(), { expect: { userAccount: 'alice' } }),
    DIGITS_ACCOUNT: () => inspect(rtc7(), { expect: { userAccount: '42' } }),
    WILDCARD_UID: () => inspect(rtc7({ uid: 0 })),
    LIFETIME_ABOVE_24H: () => inspect(signed007At(NOW, 90_000, ['ServiceRtc', ['room', 42], 1])),
    ISSUED_IN_FUTURE: () => inspect(signed007At(NOW + 3600, 600, ['ServiceRtc', ['room', 42], 1])),
    NAME_NOT_ALLOWED: () => inspect(signed007(['ServiceRtc', ['room', 'é'], 1])),
    TOKEN_ALTERED: () => inspect(crcAltered006(), { expect: room }),
  };
  t.same(Object.keys(examples).sort(), [...PROBLEM_CODES].sort(), 'one example per code, no other');
  for (const code of PROBLEM_CODES) t.ok(codes(examples[code]()).includes(code), code);
});
