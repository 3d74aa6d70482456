import Fastify from 'fastify';
import t from 'tap';
import { loadConfig } from '../../../src/config.js';
import agora from '../../../src/plugins/agora.js';
import errors from '../../../src/plugins/errors.js';
import health from '../../../src/plugins/health.js';
import metrics from '../../../src/plugins/metrics.js';
import v1TokenRoutes from '../../../src/routes/v1/tokens.js';
import { buildTokenSchemas } from '../../../src/schemas/tokens.js';
import { decode006, decode007, verify006, verify007, type Decoded007 } from '../../../src/tokens/decode.js';
import { APP_CERTIFICATE, APP_ID, baseEnv, build, nowUnix } from '../../helper.js';

const JOIN_AND_PUBLISH = [1, 2, 3, 4];

function rtcOf(token: string): Decoded007 {
  const d = decode007(token);
  t.ok(verify007(d, APP_CERTIFICATE), 'signature verifies');
  return d;
}

t.test('POST /v1/tokens/rtc: 007 publisher with uid', async (t) => {
  const app = await build(t);
  const res = await app.inject({
    method: 'POST',
    url: '/v1/tokens/rtc',
    payload: { channelName: 'room 1', uid: 1234, role: 'publisher', expireSeconds: 600 },
  });
  t.equal(res.statusCode, 200);
  t.match(res.headers['cache-control'], /no-store/);
  const body = res.json<{ token: string; issuedAtUnix: number; expiresAtUnix: number; issuedAt: string }>();
  t.match(body, { version: '007', channelName: 'room 1', uid: 1234, role: 'publisher' });
  t.equal(body.expiresAtUnix - body.issuedAtUnix, 600);
  t.equal(body.issuedAt, new Date(body.issuedAtUnix * 1000).toISOString());
  t.ok(Math.abs(body.issuedAtUnix - nowUnix()) <= 2);
  const d = rtcOf(body.token);
  t.equal(d.appId, APP_ID);
  t.equal(d.issueTs, body.issuedAtUnix);
  t.equal(d.expire, 600);
  t.match(d.services[0], { name: 'rtc', channelName: 'room 1', uid: '1234' });
  t.same(Object.keys(d.services[0]?.privileges ?? {}).map(Number), JOIN_AND_PUBLISH);
});

t.test('POST /v1/tokens/rtc: defaults, account, privilege expiry, 006', async (t) => {
  const app = await build(t, { TOKEN_TTL_DEFAULT: '900' });
  const post = (payload: object) => app.inject({ method: 'POST', url: '/v1/tokens/rtc', payload });

  const def = (await post({ channelName: 'c', userAccount: 'alice' })).json<{ token: string; role: string; userAccount: string }>();
  t.match(def, { role: 'subscriber', userAccount: 'alice', version: '007' });
  const d = rtcOf(def.token);
  t.equal(d.expire, 900, 'TOKEN_TTL_DEFAULT');
  t.same(d.services[0]?.privileges, { 1: 900 }, 'subscriber: join only');
  t.equal(d.services[0]?.uid, 'alice');

  const priv = (await post({ channelName: 'c', uid: 0, expireSeconds: 600, privilegeExpireSeconds: 300 })).json<{ token: string; expiresAtUnix: number; issuedAtUnix: number }>();
  t.equal(priv.expiresAtUnix - priv.issuedAtUnix, 300, 'expiresAt is the earlier of the two');
  const p = rtcOf(priv.token);
  t.equal(p.services[0]?.uid, '', 'uid 0 is the wildcard');
  t.same(p.services[0]?.privileges, { 1: 300 });

  const old = (await post({ channelName: 'c', uid: 42, version: '006', expireSeconds: 60 })).json<{ token: string; issuedAtUnix: number }>();
  const o = decode006(old.token);
  t.ok(verify006(o, APP_CERTIFICATE, 'c', '42'));
  t.equal(o.privileges[1], old.issuedAtUnix + 60, '006 privileges are absolute');

  for (const [payload, field] of [
    [{ channelName: 'c' }, 'uid'],
    [{ channelName: 'c', uid: 1, userAccount: 'a' }, 'uid'],
    [{ channelName: 'c', uid: 1, version: '006', privilegeExpireSeconds: 5 }, 'privilegeExpireSeconds'],
    [{ channelName: 'c', uid: 1, expireSeconds: 60, privilegeExpireSeconds: 120 }, 'privilegeExpireSeconds'],
    [{ channelName: 'c', uid: 2 ** 32 }, 'uid'],
    [{ channelName: 'x'.repeat(64), uid: 1 }, 'channelName'],
  ] as const) {
    const res = await post(payload);
    t.equal(res.statusCode, 400, JSON.stringify(payload));
    t.equal(res.json<{ field: string }>().field, field);
  }
});

t.test('POST /v1/tokens/rtm, /rtc-rtm and /chat', async (t) => {
  const app = await build(t);
  const post = (url: string, payload: object) => app.inject({ method: 'POST', url: `/v1/tokens/${url}`, payload });

  const rtm = (await post('rtm', { userId: 'bob', expireSeconds: 120 })).json<{ token: string; userId: string }>();
  t.equal(rtm.userId, 'bob');
  t.match(rtcOf(rtm.token).services[0], { name: 'rtm', userId: 'bob', privileges: { 1: 120 } });
  const rtm6 = (await post('rtm', { userId: 'bob', version: '006' })).json<{ token: string }>();
  t.ok(verify006(decode006(rtm6.token), APP_CERTIFICATE, 'bob', ''));

  const pair = (await post('rtc-rtm', { channelName: 'c', uid: 9, role: 'publisher' })).json<{ rtcToken: string; rtmToken: string; rtmUserId: string; combined: boolean }>();
  t.match(pair, { rtmUserId: '9', combined: false });
  t.equal(rtcOf(pair.rtcToken).services[0]?.name, 'rtc');
  t.equal(rtcOf(pair.rtmToken).services[0]?.userId, '9');
  const acct = (await post('rtc-rtm', { channelName: 'c', userAccount: 'al', rtmUserId: 'al-rtm', privilegeExpireSeconds: 60 })).json<{ userAccount: string; rtmUserId: string }>();
  t.match(acct, { userAccount: 'al', rtmUserId: 'al-rtm' });
  const six = (await post('rtc-rtm', { channelName: 'c', uid: 5, version: '006' })).json<{ rtcToken: string; rtmToken: string }>();
  t.ok(six.rtcToken.startsWith('006') && six.rtmToken.startsWith('006'));
  const one = (await post('rtc-rtm', { channelName: 'c', uid: 9, combined: true })).json<{ rtcToken: string; rtmToken: string; combined: boolean }>();
  t.equal(one.rtcToken, one.rtmToken);
  t.same(rtcOf(one.rtcToken).services.map((s) => s.name), ['rtc', 'rtm']);
  t.equal((await post('rtc-rtm', { channelName: 'c', uid: 0 })).json<{ field: string }>().field, 'rtmUserId');
  t.equal((await post('rtc-rtm', { channelName: 'c', uid: 1, combined: true, version: '006' })).json<{ field: string }>().field, 'combined');

  const user = (await post('chat', { userId: 'carol' })).json<{ token: string; kind: string; userId: string }>();
  t.match(user, { kind: 'user', userId: 'carol', version: '007' });
  t.match(rtcOf(user.token).services[0], { name: 'chat', userId: 'carol', privileges: { 1: 3600 } });
  const appToken = (await post('chat', {})).json<{ token: string; kind: string }>();
  t.equal(appToken.kind, 'app');
  t.match(rtcOf(appToken.token).services[0], { userId: '', privileges: { 2: 3600 } });
});

t.test('the routes do not rely on the validator filling in defaults', async (t) => {
  const config = loadConfig(baseEnv);
  const app = Fastify({ ajv: { customOptions: { useDefaults: false } } });
  t.teardown(() => app.close());
  const schemas = buildTokenSchemas({ ttlDefault: 700, ttlMax: config.tokenTtlMax });
  await app.register(errors);
  await app.register(health);
  await app.register(metrics, { expose: false });
  await app.register(agora, { appId: APP_ID, appCertificate: config.appCertificate, ttlDefault: 700, ttlMax: config.tokenTtlMax });
  for (const s of Object.values(schemas)) app.addSchema(s);
  await app.register(v1TokenRoutes, { prefix: '/v1/tokens', schemas });
  const post = (url: string, payload: object) => app.inject({ method: 'POST', url: `/v1/tokens/${url}`, payload });
  t.match((await post('rtc', { channelName: 'c', uid: 1 })).json(), { role: 'subscriber', version: '007', expiresAtUnix: Number });
  t.equal(rtcOf((await post('rtm', { userId: 'u' })).json<{ token: string }>().token).expire, 700);
  t.match((await post('rtc-rtm', { channelName: 'c', uid: 1 })).json(), { combined: false, role: 'subscriber' });
  t.equal(rtcOf((await post('chat', {})).json<{ token: string }>().token).expire, 700);
});
