import t from 'tap';
import { decode006, decode007, verify006, verify007 } from '../../src/tokens/codec.js';
import { APP_CERTIFICATE, build } from '../helper.js';

const rtcOf = (token: string) => {
  const d = decode007(token);
  t.ok(verify007(d, APP_CERTIFICATE), 'signature verifies');
  return { d, rtc: d.services[0] };
};

t.test('tutorial GET /access_token mints 006 like the seed, with 400s instead of 500s', async (t) => {
  const app = await build(t);
  const res = await app.inject('/access_token?channelName=demo&uid=1234&role=publisher&expireTime=600');
  t.equal(res.statusCode, 200);
  t.equal(res.headers['cache-control'], 'private, no-cache, no-store, must-revalidate');
  t.same(Object.keys(res.json()), ['token']);
  const d = decode006(res.json().token);
  t.ok(verify006(d, APP_CERTIFICATE, 'demo', '1234'));
  t.same(Object.keys(d.privileges), ['1', '2', '3', '4'], 'publisher privileges');
  t.equal(d.privileges[1]! - (d.ts - 86_400), 600, 'expireTime is seconds from now');

  for (const uid of ['', '0']) {
    const wild = await app.inject(`/access_token?channelName=demo&uid=${uid}`);
    const w = decode006(wild.json().token);
    t.ok(verify006(w, APP_CERTIFICATE, 'demo', ''), `uid=${JSON.stringify(uid)} is the wildcard`);
    t.same(Object.keys(w.privileges), ['1'], 'subscriber by default');
    t.equal(w.privileges[1]! - (w.ts - 86_400), 3600, 'default lifetime');
  }
  const noUid = await app.inject('/access_token?channelName=demo&role=audience');
  t.ok(verify006(decode006(noUid.json().token), APP_CERTIFICATE, 'demo', ''), 'uid absent is the wildcard');

  const missing = await app.inject('/access_token');
  t.equal(missing.statusCode, 400);
  t.match(missing.json(), { field: 'channelName', code: 'VALIDATION_ERROR' });
  t.match((await app.inject('/access_token?channelName=demo&uid=abc')).json(), { statusCode: 400, field: 'uid' });
  t.match((await app.inject('/access_token?channelName=demo&expireTime=1795850353')).json(), { statusCode: 400, field: 'expireTime', message: /absolute unix timestamp/ });
  t.match((await app.inject('/access_token?channelName=a%2Fb')).json(), { statusCode: 400, field: 'channelName' });
});

t.test('GET /access_token role: publisher, subscriber/audience (also absent or empty); anything else is a 400', async (t) => {
  const app = await build(t);
  const privileges = async (query: string) => {
    const res = await app.inject(`/access_token?channelName=demo&uid=7${query}`);
    t.equal(res.statusCode, 200, query);
    return Object.keys(decode006(res.json().token).privileges);
  };
  t.same(await privileges('&role=publisher'), ['1', '2', '3', '4'], 'publisher: join + publish');
  for (const q of ['', '&role=', '&role=subscriber', '&role=audience']) t.same(await privileges(q), ['1'], `${q || 'no role'}: join only`);
  // The tutorial reads an empty expireTime as absent too.
  const blank = decode006((await app.inject('/access_token?channelName=demo&uid=7&role=&expireTime=')).json().token);
  t.equal(blank.privileges[1]! - (blank.ts - 86_400), 3600, 'expireTime= is the default lifetime');
  // A guess would hand a join-only token to someone who asked to publish; the README says so.
  for (const role of ['host', 'broadcaster', 'Publisher', ' publisher']) {
    const res = await app.inject(`/access_token?channelName=demo&role=${encodeURIComponent(role)}`);
    t.match(res.json(), { statusCode: 400, code: 'VALIDATION_ERROR', field: 'role', message: /allowed values/ }, `role=${role}`);
  }
});

t.test('GET /ping', async (t) => {
  const app = await build(t);
  const res = await app.inject('/ping');
  t.same(res.json(), { message: 'pong' });
  t.equal((await app.inject('/ping/')).statusCode, 200, 'trailing slash');
});

t.test('GET /rtc/:channel/:role/:tokenType/:uid with and without trailing slash', async (t) => {
  const app = await build(t);
  for (const url of ['/rtc/demo/publisher/uid/42', '/rtc/demo/publisher/uid/42/']) {
    const res = await app.inject(url);
    t.equal(res.statusCode, 200, url);
    t.same(Object.keys(res.json()), ['rtcToken']);
    const { d, rtc } = rtcOf(res.json().rtcToken);
    t.equal(rtc?.channelName, 'demo');
    t.equal(rtc?.uid, '42');
    t.same(rtc?.privileges, { 1: 3600, 2: 3600, 3: 3600, 4: 3600 });
    t.equal(d.expire, 3600);
  }
  const sub = rtcOf((await app.inject('/rtc/demo/subscriber/userAccount/alice?expiry=120')).json().rtcToken);
  t.equal(sub.rtc?.uid, 'alice');
  t.same(sub.rtc?.privileges, { 1: 120 });
  const aud = rtcOf((await app.inject('/rtc/my%20room/audience/uid/0')).json().rtcToken);
  t.equal(aud.rtc?.uid, '', 'uid 0 is the wildcard');
  t.equal(aud.rtc?.channelName, 'my room', 'path parameters are URL-decoded');
  const v6 = await app.inject('/rtc/demo/publisher/uid/42?version=006');
  t.ok(verify006(decode006(v6.json().rtcToken), APP_CERTIFICATE, 'demo', '42'), '?version=006');

  // The Go service's own tests expect 400 for these.
  for (const [url, field] of [
    ['/rtc/demo/publisher/uid/abc', 'uid'],
    ['/rtc/demo/publisher/uid/42?expiry=soon', 'expiry'],
    ['/rtc/demo/publisher/uid/42?expiry=90000', 'expiry'],
    ['/rtc/demo/host/uid/42', 'role'],
    ['/rtc/demo/publisher/token/42', 'tokenType'],
  ] as const) {
    const res = await app.inject(url);
    t.equal(res.statusCode, 400, url);
    t.equal(res.json().field, field, url);
  }
  t.equal((await app.inject('/rtc/demo/publisher/uid')).statusCode, 404, 'missing uid segment');
});

t.test('GET /rtm/:uid', async (t) => {
  const app = await build(t);
  const res = await app.inject('/rtm/alice/?expiry=60');
  t.equal(res.statusCode, 200);
  const d = decode007(res.json().rtmToken);
  t.same(d.services, [{ type: 2, name: 'rtm', privileges: { 1: 60 }, userId: 'alice' }]);
  const v6 = await app.inject('/rtm/alice?version=006');
  t.ok(verify006(decode006(v6.json().rtmToken), APP_CERTIFICATE, 'alice', ''));
  t.match((await app.inject('/rtm/0')).json(), { statusCode: 400, field: 'uid', message: /not the RTC wildcard/ });
});

t.test('GET /rte/… gives RTC and RTM tokens', async (t) => {
  const app = await build(t);
  const res = await app.inject('/rte/demo/publisher/uid/42');
  t.equal(res.statusCode, 200);
  t.same(Object.keys(res.json()).sort(), ['rtcToken', 'rtmToken']);
  t.equal(rtcOf(res.json().rtcToken).rtc?.uid, '42');
  t.equal(decode007(res.json().rtmToken).services[0]?.userId, '42', 'RTM id defaults to the RTC uid');
  const six = (await app.inject('/rte/demo/publisher/userAccount/bob?version=006')).json();
  t.ok(verify006(decode006(six.rtcToken), APP_CERTIFICATE, 'demo', 'bob'), 'rte ?version=006');
  t.ok(verify006(decode006(six.rtmToken), APP_CERTIFICATE, 'bob', ''));
  const withRtm = await app.inject('/rte/demo/subscriber/uid/42/alice/');
  t.equal(decode007(withRtm.json().rtmToken).services[0]?.userId, 'alice');
  t.equal((await app.inject('/rte/demo/publisher/uid/0')).statusCode, 400, 'uid 0 without an RTM id');
  t.equal((await app.inject('/rte/demo/publisher/uid/x1')).json().field, 'rtcuid');
});

t.test('GET /chat/app and /chat/account/:chatid', async (t) => {
  const app = await build(t);
  const appTok = await app.inject('/chat/app/');
  t.equal(appTok.statusCode, 200);
  t.same(decode007(appTok.json().chatToken).services, [{ type: 5, name: 'chat', privileges: { 2: 3600 }, userId: '' }]);
  const user = await app.inject('/chat/account/alice?expiry=30');
  t.same(decode007(user.json().chatToken).services, [{ type: 5, name: 'chat', privileges: { 1: 30 }, userId: 'alice' }]);
  t.equal((await app.inject('/chat/account/a%20b')).statusCode, 400);
});

t.test('POST /getToken as the Go service', async (t) => {
  const app = await build(t);
  const call = (payload: unknown) =>
    app.inject({ method: 'POST', url: '/getToken', headers: { 'content-type': 'application/json' }, payload: JSON.stringify(payload) });

  const rtc = await call({ tokenType: 'rtc', channel: 'demo', role: 'publisher', uid: '42', expire: 600 });
  t.equal(rtc.statusCode, 200);
  t.same(Object.keys(rtc.json()), ['token']);
  const r = rtcOf(rtc.json().token);
  t.equal(r.d.expire, 600);
  t.same(r.rtc?.privileges, { 1: 600, 2: 600, 3: 600, 4: 600 });
  t.equal(rtcOf((await call({ tokenType: 'rtc', channel: 'demo', uid: 'alice' })).json().token).rtc?.uid, 'alice', 'non-numeric uid = account');
  t.equal((await call({ tokenType: 'rtc', channel: 'demo', uid: 7 })).statusCode, 400, 'uid is a string, as in the Go service: a JSON number is not coerced');
  t.equal(decode007((await call({ tokenType: 'rtc', channel: 'demo', uid: '1', expire: 0 })).json().token).expire, 3600, 'expire 0 = default');

  const rtm = await call({ tokenType: 'rtm', uid: 'bob' });
  t.same(decode007(rtm.json().token).services.map((s) => [s.name, s.userId]), [['rtm', 'bob']]);
  const chatUser = await call({ tokenType: 'chat', uid: 'bob' });
  t.same(decode007(chatUser.json().token).services[0]?.privileges, { 1: 3600 });
  const chatApp = await call({ tokenType: 'chat' });
  t.same(decode007(chatApp.json().token).services[0]?.privileges, { 2: 3600 });

  for (const [payload, field] of [
    [{ tokenType: 'rtc', uid: '1' }, 'channel'],
    [{ tokenType: 'rtc', channel: 'demo' }, 'uid'],
    [{ tokenType: 'rtm' }, 'uid'],
    [{ tokenType: 'video', uid: '1' }, 'tokenType'],
    [{ channel: 'demo', uid: '1' }, 'tokenType'],
    [{ tokenType: 'rtc', channel: 'de/mo', uid: '1' }, 'channel'],
    [{ tokenType: 'rtc', channel: 'demo', uid: '1', expire: 86_401 }, 'expire'],
    [{ tokenType: 'rtc', channel: 'demo', uid: '99999999999' }, 'uid'],
  ] as const) {
    const res = await call(payload);
    t.equal(res.statusCode, 400, JSON.stringify(payload));
    t.equal(res.json().field, field, JSON.stringify(payload));
  }
});
