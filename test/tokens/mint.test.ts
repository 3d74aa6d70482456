import t from 'tap';
import { decode006, decode007, verify006, verify007 } from '../../src/tokens/codec.js';
import { MintError, createTokenMinter } from '../../src/tokens/mint.js';
import { APP_CERTIFICATE, APP_ID } from '../helper.js';

const NOW = 1_790_000_000;
const minter = createTokenMinter({ appId: APP_ID, appCertificate: APP_CERTIFICATE }, { now: () => NOW });

t.test('007 RTC publisher with uid: services, privileges, expiry, signature', async (t) => {
  const m = minter.rtc({ channelName: 'room 1', uid: 42, role: 'publisher', expireSeconds: 600, version: '007' });
  t.equal(m.issuedAt, NOW);
  t.equal(m.expiresAt, NOW + 600);
  const d = decode007(m.token);
  t.equal(d.appId, APP_ID);
  t.equal(d.issueTs, NOW, 'issue time signed is the one reported');
  t.equal(d.expire, 600, '007 expire is relative seconds');
  t.ok(d.salt >= 1 && d.salt < 100_000_000);
  t.same(d.services, [{ type: 1, name: 'rtc', privileges: { 1: 600, 2: 600, 3: 600, 4: 600 }, channelName: 'room 1', uid: '42' }]);
  t.ok(verify007(d, APP_CERTIFICATE));
});

t.test('007 RTC subscriber: join only; privilegeExpireSeconds shortens privileges', async (t) => {
  const m = minter.rtc({ channelName: 'c', userAccount: 'alice', role: 'subscriber', expireSeconds: 900, privilegeExpireSeconds: 300, version: '007' });
  const d = decode007(m.token);
  t.equal(d.expire, 900);
  t.same(d.services[0]?.privileges, { 1: 300 });
  t.equal(d.services[0]?.uid, 'alice');
  t.equal(m.expiresAt, NOW + 300, 'expiresAt is the earlier of token and privilege expiry');
});

t.test('uid 0 is the wildcard, the account "0" is not', async (t) => {
  const wild = decode007(minter.rtc({ channelName: 'c', uid: 0, role: 'subscriber', expireSeconds: 60, version: '007' }).token);
  t.equal(wild.services[0]?.uid, '');
  const literal = decode007(minter.rtc({ channelName: 'c', userAccount: '0', role: 'subscriber', expireSeconds: 60, version: '007' }).token);
  t.equal(literal.services[0]?.uid, '0');
  const w6 = decode006(minter.rtc({ channelName: 'c', uid: 0, role: 'subscriber', expireSeconds: 60, version: '006' }).token);
  t.ok(verify006(w6, APP_CERTIFICATE, 'c', ''), '006 wildcard signs the empty uid');
  t.equal(w6.crcUid, 0);
});

t.test('006 RTC: absolute privilege expiry, 24 h ts, per-token salt', async (t) => {
  const m = minter.rtc({ channelName: 'room', uid: 7, role: 'publisher', expireSeconds: 3600, version: '006' });
  const d = decode006(m.token);
  t.equal(d.appId, APP_ID);
  t.equal(d.ts, NOW + 86_400);
  t.same(d.privileges, { 1: NOW + 3600, 2: NOW + 3600, 3: NOW + 3600, 4: NOW + 3600 });
  t.ok(verify006(d, APP_CERTIFICATE, 'room', '7'));
  t.notOk(verify006(d, APP_CERTIFICATE, 'room', '8'), 'bound to the uid');
  const salts = new Set(Array.from({ length: 20 }, () => decode006(minter.rtc({ channelName: 'room', uid: 7, role: 'subscriber', expireSeconds: 60, version: '006' }).token).salt));
  t.ok(salts.size >= 19, `006 salts differ per token (${salts.size}/20 distinct)`);
});

t.test('RTM tokens in both formats', async (t) => {
  const m7 = minter.rtm({ userId: 'bob', expireSeconds: 120, version: '007' });
  const d7 = decode007(m7.token);
  t.same(d7.services, [{ type: 2, name: 'rtm', privileges: { 1: 120 }, userId: 'bob' }]);
  t.ok(verify007(d7, APP_CERTIFICATE));
  const m6 = minter.rtm({ userId: 'bob', expireSeconds: 120, version: '006' });
  const d6 = decode006(m6.token);
  t.same(d6.privileges, { 1000: NOW + 120 });
  t.ok(verify006(d6, APP_CERTIFICATE, 'bob', ''), '006 RTM: user id in the channel slot, empty uid');
});

t.test('RTC + RTM: two tokens by default, one combined on request', async (t) => {
  const two = minter.rtcRtm({ channelName: 'c', uid: 9, role: 'subscriber', expireSeconds: 60, version: '007' });
  t.equal(two.combined, false);
  t.equal(two.rtmUserId, '9', 'RTM id defaults to the uid in decimal');
  t.same(decode007(two.rtcToken).services.map((s) => s.name), ['rtc']);
  t.same(decode007(two.rtmToken).services, [{ type: 2, name: 'rtm', privileges: { 1: 60 }, userId: '9' }]);

  const one = minter.rtcRtm({ channelName: 'c', userAccount: 'al', rtmUserId: 'al-rtm', role: 'publisher', expireSeconds: 60, version: '007', combined: true });
  t.equal(one.rtcToken, one.rtmToken);
  const d = decode007(one.rtcToken);
  t.same(d.services.map((s) => [s.name, s.uid ?? s.userId]), [['rtc', 'al'], ['rtm', 'al-rtm']]);
  t.ok(verify007(d, APP_CERTIFICATE));

  const six = minter.rtcRtm({ channelName: 'c', userAccount: 'al', role: 'publisher', expireSeconds: 60, version: '006' });
  t.ok(verify006(decode006(six.rtcToken), APP_CERTIFICATE, 'c', 'al'));
  t.ok(verify006(decode006(six.rtmToken), APP_CERTIFICATE, 'al', ''));

  t.throws(() => minter.rtcRtm({ channelName: 'c', uid: 0, role: 'subscriber', expireSeconds: 60, version: '007' }), { name: 'TokenInputError', field: 'rtmUserId' });
  t.throws(() => minter.rtcRtm({ channelName: 'c', uid: 1, role: 'subscriber', expireSeconds: 60, version: '006', combined: true }), { name: 'TokenInputError', field: 'combined' });
});

t.test('Chat user and app tokens', async (t) => {
  const user = decode007(minter.chat({ userId: 'u_1', expireSeconds: 60 }).token);
  t.same(user.services, [{ type: 5, name: 'chat', privileges: { 1: 60 }, userId: 'u_1' }]);
  const app = decode007(minter.chat({ expireSeconds: 60 }).token);
  t.same(app.services, [{ type: 5, name: 'chat', privileges: { 2: 60 }, userId: '' }]);
  t.ok(verify007(app, APP_CERTIFICATE));
  t.throws(() => minter.chat({ userId: 'no spaces', expireSeconds: 60 }), { name: 'TokenInputError', field: 'userId' });
});

t.test('input rules reject before any token is built', async (t) => {
  const base = { channelName: 'c', role: 'subscriber' as const, expireSeconds: 60, version: '007' as const };
  t.throws(() => minter.rtc({ ...base }), { name: 'TokenInputError', field: 'uid' }, 'neither uid nor account');
  t.throws(() => minter.rtc({ ...base, uid: 1, userAccount: 'a' }), { name: 'TokenInputError', field: 'uid' }, 'both');
  t.throws(() => minter.rtc({ ...base, uid: 2 ** 32 }), { name: 'TokenInputError', field: 'uid' });
  t.throws(() => minter.rtc({ ...base, uid: -1 }), { name: 'TokenInputError', field: 'uid' });
  t.throws(() => minter.rtc({ ...base, uid: 1.5 }), { name: 'TokenInputError', field: 'uid' });
  t.throws(() => minter.rtc({ ...base, channelName: 'x'.repeat(64), uid: 1 }), { name: 'TokenInputError', field: 'channelName' });
  t.throws(() => minter.rtc({ ...base, channelName: 'é', uid: 1 }), { name: 'TokenInputError', field: 'channelName' });
  t.throws(() => minter.rtc({ ...base, userAccount: 'a'.repeat(256) }), { name: 'TokenInputError', field: 'userAccount' });
  t.throws(() => minter.rtc({ ...base, uid: 1, expireSeconds: 86_401 }), { name: 'TokenInputError', field: 'expireSeconds' });
  t.throws(() => minter.rtc({ ...base, uid: 1, expireSeconds: 0 }), { name: 'TokenInputError', field: 'expireSeconds' });
  t.throws(() => minter.rtc({ ...base, uid: 1, expireSeconds: NOW + 3600 }), { message: /absolute unix timestamp/ });
  t.throws(() => minter.rtc({ ...base, uid: 1, privilegeExpireSeconds: 61 }), { name: 'TokenInputError', field: 'privilegeExpireSeconds' });
  t.throws(() => minter.rtc({ ...base, uid: 1, version: '006', privilegeExpireSeconds: 30 }), { name: 'TokenInputError', field: 'privilegeExpireSeconds' });
  t.throws(() => minter.rtm({ userId: ' lead', expireSeconds: 60, version: '007' }), { name: 'TokenInputError', field: 'userId' });
  t.throws(() => minter.rtm({ userId: 'x'.repeat(64), expireSeconds: 60, version: '007' }), { name: 'TokenInputError', field: 'userId' });
});

t.test('configured maximum lifetime is enforced, and never above 24 h', async (t) => {
  const short = createTokenMinter({ appId: APP_ID, appCertificate: APP_CERTIFICATE }, { maxTtl: 600 });
  t.equal(short.maxTtl, 600);
  t.throws(() => short.rtm({ userId: 'a', expireSeconds: 601, version: '007' }), { message: /from 1 to 600/ });
  t.equal(createTokenMinter({ appId: APP_ID, appCertificate: APP_CERTIFICATE }, { maxTtl: 10 ** 6 }).maxTtl, 86_400);
  const real = createTokenMinter({ appId: APP_ID, appCertificate: APP_CERTIFICATE });
  const d = decode007(real.rtm({ userId: 'a', expireSeconds: 60, version: '007' }).token);
  t.ok(Math.abs(d.issueTs - Date.now() / 1000) < 5, 'default clock is the real one');
});

t.test('a library that returns "" or throws becomes a MintError, never an empty token', async (t) => {
  const bad = createTokenMinter({ appId: 'not-hex', appCertificate: APP_CERTIFICATE });
  t.throws(() => bad.rtc({ channelName: 'c', uid: 1, role: 'subscriber', expireSeconds: 60, version: '007' }), MintError);
  const badSalt = createTokenMinter({ appId: APP_ID, appCertificate: APP_CERTIFICATE }, { salt: () => -1 });
  t.throws(() => badSalt.rtm({ userId: 'a', expireSeconds: 60, version: '006' }), { name: 'MintError', message: /failed to build/ });
});
