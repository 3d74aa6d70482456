import t from 'tap';
import { decode006, decode007, verify006, verify007 } from '../../src/tokens/decode.js';
import { APP_CERTIFICATE, build } from '../helper.js';

const get = async (app: Awaited<ReturnType<typeof build>>, url: string) => {
  const res = await app.inject({ url });
  return { status: res.statusCode, body: res.json<Record<string, string>>() };
};
const v7 = (token: string | undefined) => {
  const d = decode007(token ?? '');
  t.ok(verify007(d, APP_CERTIFICATE));
  return d;
};

t.test('tutorial server: GET /access_token (006)', async (t) => {
  const app = await build(t);
  const wildcard = await get(app, '/access_token?channelName=demo');
  t.equal(wildcard.status, 200);
  const d = decode006(wildcard.body.token ?? '');
  t.ok(verify006(d, APP_CERTIFICATE, 'demo', ''), 'uid absent = wildcard');
  t.same(Object.keys(d.privileges).map(Number), [1], 'subscriber by default');
  const empty = decode006((await get(app, '/access_token?channelName=demo&uid=')).body.token ?? '');
  t.ok(verify006(empty, APP_CERTIFICATE, 'demo', ''), 'empty uid = wildcard');
  const pub = decode006((await get(app, '/access_token?channelName=demo&uid=77&role=publisher&expireTime=60')).body.token ?? '');
  t.ok(verify006(pub, APP_CERTIFICATE, 'demo', '77'));
  t.same(Object.keys(pub.privileges).map(Number), [1, 2, 3, 4]);
  const missing = await get(app, '/access_token');
  t.equal(missing.status, 400, 'missing channel: 400, not the seed 500');
  t.equal((await get(app, '/access_token?channelName=demo&expireTime=1790000000')).body.field, 'expireTime');
});

t.test('GET /ping', async (t) => {
  const app = await build(t);
  t.same((await get(app, '/ping')).body, { message: 'pong' });
});

t.test('community servers: /rtc, /rtm, /rte (with and without trailing slash)', async (t) => {
  const app = await build(t);
  const rtc = await get(app, '/rtc/room/publisher/uid/55?expiry=120');
  t.match(v7(rtc.body.rtcToken).services[0], { channelName: 'room', uid: '55', privileges: { 1: 120, 2: 120 } });
  const slash = await get(app, '/rtc/room/audience/userAccount/ann/');
  t.match(v7(slash.body.rtcToken).services[0], { uid: 'ann', privileges: { 1: 3600 } });
  t.ok(decode006((await get(app, '/rtc/room/publisher/uid/5?version=006')).body.rtcToken ?? '').appId);
  t.equal((await get(app, '/rtc/room/publisher/uid/abc')).body.field, 'uid');

  t.match(v7((await get(app, '/rtm/alice')).body.rtmToken).services[0], { name: 'rtm', userId: 'alice' });
  t.equal((await get(app, '/rtm/0')).body.field, 'uid', '0 is not an RTM user');

  const rte = await get(app, '/rte/room/publisher/uid/8');
  t.equal(v7(rte.body.rtmToken).services[0]?.userId, '8');
  const rte2 = await get(app, '/rte/room/subscriber/uid/8/bob/');
  t.equal(v7(rte2.body.rtmToken).services[0]?.userId, 'bob');
  t.equal((await get(app, '/rte/room/publisher/uid/x')).body.field, 'rtcuid');
});

t.test('Go service: /chat and POST /getToken', async (t) => {
  const app = await build(t);
  t.match(v7((await get(app, '/chat/app/')).body.chatToken).services[0], { name: 'chat', userId: '' });
  t.match(v7((await get(app, '/chat/account/carol?expiry=30')).body.chatToken).services[0], { userId: 'carol', privileges: { 1: 30 } });

  const post = async (payload: object) => {
    const res = await app.inject({ method: 'POST', url: '/getToken', payload });
    return { status: res.statusCode, body: res.json<Record<string, string>>() };
  };
  t.match(v7((await post({ tokenType: 'rtc', channel: 'r', uid: '12', role: 'publisher', expire: 0 })).body.token).services[0], { uid: '12', privileges: { 1: 3600 } });
  t.equal(v7((await post({ tokenType: 'rtc', channel: 'r', uid: 'dave' })).body.token).services[0]?.uid, 'dave');
  t.equal(v7((await post({ tokenType: 'rtm', uid: 'erin', expire: 60 })).body.token).services[0]?.userId, 'erin');
  t.equal(v7((await post({ tokenType: 'chat', uid: 'fay' })).body.token).services[0]?.userId, 'fay');
  t.equal(v7((await post({ tokenType: 'chat' })).body.token).services[0]?.userId, '');
  t.equal((await post({ tokenType: 'rtm' })).body.field, 'uid');
  t.equal((await post({ tokenType: 'rtc', uid: '1' })).body.field, 'channel');
  t.equal((await post({ tokenType: 'rtc', uid: '1', channel: 'bad/chan' })).body.field, 'channel');
  t.equal((await post({ tokenType: 'rtc', uid: '1', channel: 'r', expire: 1790000000 })).body.field, 'expire');
  t.equal((await post({ tokenType: 'voice' })).status, 400);
});
