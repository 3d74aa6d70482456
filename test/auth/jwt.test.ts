import { generateKeyPairSync } from 'node:crypto';
import { SignJWT, base64url } from 'jose';
import t, { type Test } from 'tap';
import { callerFromClaims } from '../../src/auth/jwt.js';
import { buildApp } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import { decode007 } from '../../src/tokens/codec.js';
import { API_KEY, JWT_SECRET, baseEnv, build, logLines, logSink } from '../helper.js';
import { AUDIENCE, ISSUER, sign, signingKey, startJwks } from '../support/jwks.js';

const jwtEnv = (url: string) => ({ AUTH_MODE: 'jwt', JWT_JWKS_URL: url, JWT_ISSUER: ISSUER, JWT_AUDIENCE: AUDIENCE, JWT_JWKS_COOLDOWN: '0' });
const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
const post = (url: string, token: string, payload: Record<string, unknown>) => ({ method: 'POST' as const, url, headers: bearer(token), payload });
const get = (url: string, token: string) => ({ method: 'GET' as const, url, headers: bearer(token) });

t.test('config: JWT variables', async (t) => {
  const base = { ...baseEnv, AUTH_MODE: 'jwt', JWT_ISSUER: ISSUER, JWT_AUDIENCE: AUDIENCE };
  const load = (env: Record<string, string>) => () => loadConfig({ ...base, ...env });
  t.throws(load({}), { message: /^JWT_JWKS_URL is missing: .*exactly one of/ });
  t.throws(load({ JWT_JWKS_URL: 'https://a.test/jwks', JWT_SECRET }), { message: /^JWT_SECRET is invalid/ }, 'two key sources');
  t.throws(load({ JWT_JWKS_URL: 'http://idp.example.com/jwks' }), { message: /^JWT_JWKS_URL is invalid: .*http:\/\/ only for localhost/ });
  t.throws(load({ JWT_JWKS_URL: 'https://[bad' }), { message: /^JWT_JWKS_URL is invalid/ });
  t.throws(load({ JWT_PUBLIC_KEY: '-----BEGIN PUBLIC KEY-----\\nnot a key\\n-----END PUBLIC KEY-----' }), { message: /^JWT_PUBLIC_KEY is invalid/ });
  t.throws(load({ JWT_SECRET: 'too-short' }), { message: /^JWT_SECRET is invalid: expected a shared secret of at least 32/ });
  t.throws(load({ JWT_SECRET, JWT_ALGORITHMS: 'RS256' }), { message: /^JWT_ALGORITHMS is invalid: .*HS\* only with JWT_SECRET/ }, 'no RSA with a secret');
  t.throws(load({ JWT_JWKS_URL: 'https://a.test/jwks', JWT_ALGORITHMS: 'HS256' }), { message: /^JWT_ALGORITHMS is invalid/ }, 'no HMAC with public keys');
  t.throws(load({ JWT_SECRET, JWT_ALGORITHMS: 'none' }), { message: /^JWT_ALGORITHMS is invalid/ }, 'none is never an algorithm');
  t.throws(load({ JWT_SECRET, JWT_ISSUER: '' }), { message: /^JWT_ISSUER is missing/ });
  t.throws(load({ JWT_SECRET, JWT_AUDIENCE: '' }), { message: /^JWT_AUDIENCE is missing/ });
  t.throws(load({ JWT_SECRET, JWT_CLOCK_SKEW: '301' }), { message: /^JWT_CLOCK_SKEW is invalid/ });
  t.throws(load({ JWT_SECRET, JWT_JWKS_COOLDOWN: '3601' }), { message: /^JWT_JWKS_COOLDOWN is invalid/ });
  const cfg = loadConfig({ ...base, JWT_SECRET });
  t.same(cfg.auth.jwt?.algorithms, ['HS256'], 'a secret defaults to HS256');
  t.equal(JSON.stringify(cfg).includes(JWT_SECRET), false, 'the secret never serializes');
  const rsa = loadConfig({ ...base, JWT_JWKS_URL: 'http://localhost:9/jwks' });
  t.same(rsa.auth.jwt?.algorithms, ['RS256', 'PS256', 'ES256', 'EdDSA', 'Ed25519'], 'keys default to asymmetric algorithms');
  t.match(rsa.auth.jwt, { clockSkewSeconds: 30, identityClaim: 'sub', uidClaim: 'uid', policyClaim: 'agora' });
});

t.test('claims to grants', async (t) => {
  const cfg = { identityClaim: 'user_id', uidClaim: 'uid', policyClaim: 'https://example.com/agora' };
  const c = callerFromClaims({ sub: 's-1', user_id: 1234, uid: 1234, 'https://example.com/agora': { roles: ['publisher'], channels: ['a-*'] } }, cfg);
  t.same(c, {
    id: 's-1',
    method: 'jwt',
    grants: {
      anyIdentity: false,
      identity: '1234',
      uid: 1234,
      channels: ['a-*'],
      services: ['rtc', 'inspect'],
      roles: ['publisher', 'subscriber'],
      wildcardUid: false,
      maxTtl: undefined,
      rateLimit: undefined,
    },
  }, 'a numeric identity claim; a channel list without services: RTC (and the inspector) only');
  t.same(callerFromClaims({ sub: 'a' }, cfg).grants, { anyIdentity: false, identity: undefined, uid: undefined, channels: undefined, services: ['rtc', 'rtm', 'chat', 'apaas', 'convoai', 'stt', 'inspect'], roles: ['subscriber'], wildcardUid: false, maxTtl: undefined, rateLimit: undefined }, 'defaults: user-level types, subscriber, no wildcard');
  for (const sub of [undefined, '', {}]) {
    t.throws(() => callerFromClaims({ sub, user_id: 'bob' } as never, cfg), { status: 401, code: 'INVALID_TOKEN', message: 'invalid token: the sub claim is required' }, `sub ${JSON.stringify(sub)}`);
  }
  t.equal(callerFromClaims({ sub: 'alice', user_id: 'bob' }, cfg).id, 'alice', 'sub names the caller');
  for (const uid of ['0x10', '-1', 4294967296, 1.5, '', null, true]) {
    t.equal(callerFromClaims({ sub: 'a', uid }, cfg).grants.uid, undefined, `uid claim ${JSON.stringify(uid)} is not a uid`);
  }
  t.equal(callerFromClaims({ sub: 'a', uid: '4294967295' }, cfg).grants.uid, 4294967295);
  for (const identity of ['', Number.NaN, {}, ['x']]) {
    t.equal(callerFromClaims({ sub: 'a', user_id: identity }, cfg).grants.identity, undefined, `identity ${JSON.stringify(identity)}`);
  }
});

t.test('a minting route that forgets to declare security fails closed', async (t) => {
  const app = await buildApp(loadConfig(baseEnv), { logStream: logSink() });
  t.teardown(() => app.close());
  app.get('/unguarded', async (request) => request.mint.rtm({ userId: 'alice', version: '007' }));
  const res = await app.inject({ method: 'GET', url: '/unguarded' });
  t.equal(res.statusCode, 500);
  t.equal(res.json().message, 'Internal Server Error');
  t.ok(logLines.some((l) => l.includes('request.mint used on a route that declares no security requirement')));
});

t.test('JWKS verification', async (t) => {
  const k1 = await signingKey('k1');
  const k2 = await signingKey('k2');
  const impostor = await signingKey('k1');
  const jwks = await startJwks(t, [k1]);
  const app = await build(t, jwtEnv(jwks.url));
  const mint = (token: string) => app.inject(post('/v1/tokens/rtc', token, { channelName: 'room-1', uid: 42 }));
  const claims = { uid: 42 };

  t.test('a valid token mints for its own uid', async (t) => {
    const res = await mint(await sign(k1, claims));
    t.equal(res.statusCode, 200);
    const d = decode007(res.json().token);
    t.equal(d.services[0]?.uid, '42');
    t.equal(d.services[0]?.channelName, 'room-1');
  });

  const refused = async (t: Test, token: string, code: string, message: RegExp) => {
    const res = await mint(token);
    t.equal(res.statusCode, 401);
    t.match(res.json(), { statusCode: 401, code, message });
    t.match(res.headers['www-authenticate'], /^Bearer realm="agora-token-server", error="invalid_token", error_description="/);
  };

  t.test('wrong signature', async (t) => refused(t, await sign(impostor, claims), 'INVALID_TOKEN', /signature verification failed/));
  t.test('wrong issuer', async (t) => refused(t, await sign(k1, { ...claims, iss: 'https://evil.test/' }), 'INVALID_TOKEN', /"iss"/));
  t.test('wrong audience', async (t) => refused(t, await sign(k1, { ...claims, aud: 'other-service' }), 'INVALID_TOKEN', /"aud"/));
  t.test('expired beyond the skew', async (t) => refused(t, await sign(k1, claims, { exp: Math.floor(Date.now() / 1000) - 31 }), 'TOKEN_EXPIRED', /expired/));
  t.test('expired within the 30 s skew is accepted', async (t) => {
    t.equal((await mint(await sign(k1, claims, { exp: Math.floor(Date.now() / 1000) - 10 }))).statusCode, 200);
  });
  t.test('not valid yet (nbf)', async (t) => refused(t, await sign(k1, { ...claims, nbf: Math.floor(Date.now() / 1000) + 120 }), 'INVALID_TOKEN', /"nbf"/));
  t.test('no exp claim', async (t) => {
    const token = await new SignJWT({ iss: ISSUER, aud: AUDIENCE, sub: 'alice', uid: 42 }).setProtectedHeader({ alg: 'RS256', kid: 'k1' }).sign(k1.privateKey);
    await refused(t, token, 'INVALID_TOKEN', /"exp"/);
  });
  t.test('alg none', async (t) => {
    const enc = (o: object) => base64url.encode(JSON.stringify(o));
    const token = `${enc({ alg: 'none', typ: 'JWT', kid: 'k1' })}.${enc({ iss: ISSUER, aud: AUDIENCE, sub: 'alice', uid: 42, exp: Math.floor(Date.now() / 1000) + 300 })}.`;
    await refused(t, token, 'INVALID_TOKEN', /alg|Unsupported|not allowed/i);
  });
  t.test('an algorithm outside the allow-list', async (t) => {
    const ec = await signingKey('ec1', 'ES384');
    jwks.keys.push(ec);
    await refused(t, await sign(ec, claims), 'INVALID_TOKEN', /"alg" \(Algorithm\) Header Parameter value not allowed/);
  });
  t.test('garbage bearer', async (t) => refused(t, 'aaa.bbb.ccc', 'INVALID_TOKEN', /invalid token/));
  t.test('no sub claim: 401, never a shared caller id', async (t) => {
    const token = await new SignJWT({ iss: ISSUER, aud: AUDIENCE, uid: 42 }).setProtectedHeader({ alg: 'RS256', kid: 'k1' }).setExpirationTime('1m').sign(k1.privateKey);
    await refused(t, token, 'INVALID_TOKEN', /sub claim is required/);
  });
  t.test('a forged header for a key the JWKS lacks is a 401, and no fetch failure', async (t) => {
    for (const alg of ['ES256', 'EdDSA', 'PS256', 'RS256']) {
      const enc = (o: object) => base64url.encode(JSON.stringify(o));
      const body = enc({ iss: ISSUER, aud: AUDIENCE, sub: 'alice', uid: 42, exp: Math.floor(Date.now() / 1000) + 300 });
      await refused(t, `${enc({ alg, kid: 'k1' })}.${body}.${'A'.repeat(86)}`, 'INVALID_TOKEN', /invalid token|no signing key/);
    }
  });

  t.test('unknown kid: refetched; refused until the JWKS has it, accepted after rotation', async (t) => {
    const token = await sign(k2, claims);
    const before = jwks.fetches;
    await refused(t, token, 'INVALID_TOKEN', /no signing key matches/);
    t.ok(jwks.fetches > before, 'the JWKS was fetched again for the unknown kid');
    jwks.keys.push(k2);
    const res = await mint(token);
    t.equal(res.statusCode, 200, 'the rotated-in key is picked up without a restart');
  });

  t.test('JWKS unreachable: 503, not 401', async (t) => {
    const down = await startJwks(t, [k1]);
    down.healthy = false;
    const app2 = await build(t, jwtEnv(down.url));
    const res = await app2.inject(post('/v1/tokens/rtc', await sign(k1, claims), { channelName: 'room-1', uid: 42 }));
    t.equal(res.statusCode, 503);
    t.equal(res.headers['retry-after'], '5');
    t.match(res.json(), { code: 'AUTH_UNAVAILABLE', statusCode: 503 });
    t.ok(logLines.some((l) => l.includes('JWT signing keys could not be fetched')), 'logged');
  });

  t.test('JWKS server stopped: what needs no key is still a 401; only a sound token waits for the key (503)', async (t) => {
    const stopped = await startJwks(t, [k1]);
    await stopped.stop();
    const app2 = await build(t, jwtEnv(stopped.url));
    const now = Math.floor(Date.now() / 1000);
    const enc = (o: object) => base64url.encode(JSON.stringify(o));
    const header = enc({ alg: 'RS256', kid: 'k1' });
    const cases: [string, string, string, RegExp][] = [
      ['expired', await sign(k1, claims, { exp: now - 120 }), 'TOKEN_EXPIRED', /expired/],
      ['not yet valid', await sign(k1, { ...claims, nbf: now + 120 }), 'INVALID_TOKEN', /"nbf"/],
      ['wrong issuer', await sign(k1, { ...claims, iss: 'https://evil.test/' }), 'INVALID_TOKEN', /"iss"/],
      ['wrong audience', await sign(k1, { ...claims, aud: 'other-service' }), 'INVALID_TOKEN', /"aud"/],
      ['no exp', `${header}.${enc({ iss: ISSUER, aud: AUDIENCE, sub: 'alice', uid: 42 })}.${'A'.repeat(342)}`, 'INVALID_TOKEN', /"exp"/],
      ['no sub', await sign(k1, { ...claims, sub: undefined }), 'INVALID_TOKEN', /sub claim is required/],
      ['payload not JSON', `${header}.${base64url.encode('{"iss":')}.${'A'.repeat(342)}`, 'INVALID_TOKEN', /invalid token/],
      ['algorithm not allowed', await sign(await signingKey('k1', 'ES384'), claims), 'INVALID_TOKEN', /not allowed/],
      ['malformed', 'aaa.bbb.ccc', 'INVALID_TOKEN', /invalid token/],
    ];
    for (const [name, token, code, message] of cases) {
      const res = await app2.inject(post('/v1/tokens/rtc', token, { channelName: 'room-1', uid: 42 }));
      t.equal(res.statusCode, 401, name);
      t.match(res.json(), { code, message }, name);
      t.notOk(res.headers['retry-after'], `${name}: no Retry-After`);
    }
    const sound = await app2.inject(post('/v1/tokens/rtc', await sign(k1, claims), { channelName: 'room-1', uid: 42 }));
    t.equal(sound.statusCode, 503, 'a well-formed, in-date token whose key is needed');
    t.equal(sound.json().code, 'AUTH_UNAVAILABLE');
  });
});

t.test('static keys', async (t) => {
  t.test('JWT_PUBLIC_KEY (PEM with \\n escapes)', async (t) => {
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const pem = publicKey.export({ type: 'spki', format: 'pem' }).replaceAll('\n', '\\n');
    const app = await build(t, { AUTH_MODE: 'jwt', JWT_PUBLIC_KEY: pem, JWT_ISSUER: ISSUER, JWT_AUDIENCE: AUDIENCE });
    const token = await new SignJWT({ iss: ISSUER, aud: AUDIENCE, sub: 'alice' }).setProtectedHeader({ alg: 'ES256' }).setExpirationTime('1m').sign(privateKey);
    const res = await app.inject(post('/v1/tokens/rtm', token, { userId: 'alice' }));
    t.equal(res.statusCode, 200);
    t.equal(decode007(res.json().token).services[0]?.userId, 'alice');
    // Algorithm confusion: an HMAC token "signed" with the public key text must not pass.
    const forged = await new SignJWT({ iss: ISSUER, aud: AUDIENCE, sub: 'alice' })
      .setProtectedHeader({ alg: 'HS256' })
      .setExpirationTime('1m')
      .sign(new TextEncoder().encode(pem));
    t.equal((await app.inject(post('/v1/tokens/rtm', forged, { userId: 'alice' }))).statusCode, 401, 'HS256 token against a public key');
    // A header naming another allowed algorithm than the key's, with a garbage signature:
    // judged locally, so 401 (counted as an auth failure), never 503 AUTH_UNAVAILABLE.
    const enc = (o: object) => base64url.encode(JSON.stringify(o));
    const body = enc({ iss: ISSUER, aud: AUDIENCE, sub: 'alice', exp: Math.floor(Date.now() / 1000) + 300 });
    const before = logLines.length;
    for (const alg of ['RS256', 'PS256', 'EdDSA', 'Ed25519', 'ES256']) {
      const res = await app.inject(post('/v1/tokens/rtm', `${enc({ alg })}.${body}.${'A'.repeat(86)}`, { userId: 'alice' }));
      t.equal(res.statusCode, 401, alg);
      t.equal(res.json().code, 'INVALID_TOKEN');
      t.notOk(res.headers['retry-after']);
    }
    t.notOk(logLines.slice(before).some((l) => l.includes('could not be fetched')));
    const metrics = await app.inject({ method: 'GET', url: '/metrics' });
    t.match(metrics.body, /token_server_auth_failures_total\{reason="INVALID_TOKEN"\} [1-9]/, 'counted as auth failures');
  });

  t.test('JWT_SECRET (HS256)', async (t) => {
    const app = await build(t, { AUTH_MODE: 'jwt', JWT_SECRET, JWT_ISSUER: ISSUER, JWT_AUDIENCE: AUDIENCE });
    const hs = (secret: string) =>
      new SignJWT({ iss: ISSUER, aud: AUDIENCE, sub: 'alice' }).setProtectedHeader({ alg: 'HS256' }).setExpirationTime('1m').sign(new TextEncoder().encode(secret));
    t.equal((await app.inject(post('/v1/tokens/chat', await hs(JWT_SECRET), { userId: 'alice' }))).statusCode, 200);
    const wrong = await app.inject(post('/v1/tokens/chat', await hs('another-secret-of-enough-length-000'), { userId: 'alice' }));
    t.equal(wrong.statusCode, 401);
  });

  t.test('AUTH_MODE=apiKey,jwt takes either', async (t) => {
    const app = await build(t, { AUTH_MODE: 'apiKey,jwt', API_KEYS: `ops:${API_KEY}`, JWT_SECRET, JWT_ISSUER: ISSUER, JWT_AUDIENCE: AUDIENCE });
    const token = await new SignJWT({ iss: ISSUER, aud: AUDIENCE, sub: 'alice' }).setProtectedHeader({ alg: 'HS256' }).setExpirationTime('1m').sign(new TextEncoder().encode(JWT_SECRET));
    t.equal((await app.inject(post('/v1/tokens/rtm', token, { userId: 'alice' }))).statusCode, 200, 'JWT');
    t.equal((await app.inject(post('/v1/tokens/rtm', API_KEY, { userId: 'bob' }))).statusCode, 200, 'API key as Bearer');
    t.equal((await app.inject(post('/v1/tokens/rtm', 'x.y.z', { userId: 'bob' }))).statusCode, 401, 'JWT-shaped garbage');
  });
});

t.test('policy from claims, on v1 and compat routes', async (t) => {
  const key = await signingKey('p1');
  const jwks = await startJwks(t, [key]);
  const app = await build(t, { ...jwtEnv(jwks.url), TOKEN_TTL_DEFAULT: '3600' });
  const as = (claims: Record<string, unknown>) => sign(key, { uid: 42, ...claims });
  const alice = await as({});

  const expect403 = async (t: Test, res: Awaited<ReturnType<typeof app.inject>>, code: string, field: string) => {
    t.equal(res.statusCode, 403);
    t.match(res.json(), { statusCode: 403, error: 'Forbidden', code, field });
  };

  t.test('uid, account and user ids are bound to the caller', async (t) => {
    await expect403(t, await app.inject(post('/v1/tokens/rtc', alice, { channelName: 'c', uid: 43 })), 'IDENTITY_NOT_ALLOWED', 'uid');
    await expect403(t, await app.inject(post('/v1/tokens/rtc', alice, { channelName: 'c', userAccount: 'bob' })), 'IDENTITY_NOT_ALLOWED', 'userAccount');
    t.equal((await app.inject(post('/v1/tokens/rtc', alice, { channelName: 'c', userAccount: 'alice' }))).statusCode, 200, 'own account');
    const numericString = await as({ uid: '42' });
    t.equal((await app.inject(post('/v1/tokens/rtc', numericString, { channelName: 'c', uid: 42 }))).statusCode, 200, 'uid claim as a decimal string');
    await expect403(t, await app.inject(post('/v1/tokens/rtm', alice, { userId: 'bob' })), 'IDENTITY_NOT_ALLOWED', 'userId');
    await expect403(t, await app.inject(post('/v1/tokens/chat', alice, { userId: 'bob' })), 'IDENTITY_NOT_ALLOWED', 'userId');
    const both = await app.inject(post('/v1/tokens/rtc-rtm', alice, { channelName: 'c', uid: 42 }));
    t.equal(both.statusCode, 200, 'rtc-rtm: the RTM id defaults to the own uid');
    t.equal(decode007(both.json().rtmToken).services[0]?.userId, '42');
    await expect403(t, await app.inject(post('/v1/tokens/rtc-rtm', alice, { channelName: 'c', uid: 42, rtmUserId: 'bob' })), 'IDENTITY_NOT_ALLOWED', 'rtmUserId');
    const account = await app.inject(post('/v1/tokens/rtc-rtm', alice, { channelName: 'c', userAccount: 'alice' }));
    t.equal(decode007(account.json().rtmToken).services[0]?.userId, 'alice', 'rtc-rtm: the RTM id defaults to the account');
    const wildcard = await as({ agora: { wildcardUid: true } });
    const noRtmId = await app.inject(post('/v1/tokens/rtc-rtm', wildcard, { channelName: 'c', uid: 0 }));
    t.match(noRtmId.json(), { statusCode: 400, field: 'rtmUserId' }, 'uid 0 without rtmUserId: Agora rules, after the policy');
    const backend = await as({ agora: { anyUser: true } });
    t.equal((await app.inject(post('/v1/tokens/rtc', backend, { channelName: 'c', uid: 7 }))).statusCode, 200, 'anyUser: any uid');
  });

  t.test('wildcard uid 0 only with the claim', async (t) => {
    await expect403(t, await app.inject(post('/v1/tokens/rtc', alice, { channelName: 'c', uid: 0 })), 'WILDCARD_UID_NOT_ALLOWED', 'uid');
    const res = await app.inject(post('/v1/tokens/rtc', await as({ agora: { wildcardUid: true } }), { channelName: 'c', uid: 0 }));
    t.equal(res.statusCode, 200);
    t.equal(decode007(res.json().token).services[0]?.uid, '');
  });

  t.test('publisher only with the claim', async (t) => {
    await expect403(t, await app.inject(post('/v1/tokens/rtc', alice, { channelName: 'c', uid: 42, role: 'publisher' })), 'ROLE_NOT_ALLOWED', 'role');
    const publisher = await as({ agora: { roles: ['publisher'] } });
    const res = await app.inject(post('/v1/tokens/rtc', publisher, { channelName: 'c', uid: 42, role: 'publisher' }));
    t.same(Object.keys(decode007(res.json().token).services[0]?.privileges ?? {}), ['1', '2', '3', '4']);
    t.equal((await app.inject(get('/rte/c/subscriber/uid/42', publisher))).statusCode, 200, 'publisher implies subscriber');
    await expect403(t, await app.inject(get('/rte/c/publisher/uid/42', alice)), 'ROLE_NOT_ALLOWED', 'role');
    await expect403(t, await app.inject(post('/getToken', alice, { tokenType: 'rtc', channel: 'c', uid: '42', role: 'publisher' })), 'ROLE_NOT_ALLOWED', 'role');
  });

  t.test('channels outside the claimed patterns', async (t) => {
    const rooms = await as({ agora: { channels: ['room-*', 'lobby'] } });
    t.equal((await app.inject(post('/v1/tokens/rtc', rooms, { channelName: 'room-5', uid: 42 }))).statusCode, 200);
    t.equal((await app.inject(post('/v1/tokens/rtc', rooms, { channelName: 'lobby', uid: 42 }))).statusCode, 200);
    await expect403(t, await app.inject(post('/v1/tokens/rtc', rooms, { channelName: 'vip', uid: 42 })), 'CHANNEL_NOT_ALLOWED', 'channelName');
    t.match((await app.inject(post('/v1/tokens/rtm', rooms, { userId: 'alice' }))).json(), { statusCode: 403, code: 'SERVICE_NOT_ALLOWED' }, 'RTM honours no channel list');
    const roomsAndRtm = await as({ agora: { channels: ['room-*'], services: ['rtc', 'rtm'] } });
    t.equal((await app.inject(post('/v1/tokens/rtc-rtm', roomsAndRtm, { channelName: 'room-1', uid: 42 }))).statusCode, 200);
  });

  t.test('services in the claim cover every route', async (t) => {
    const rtcOnly = await as({ agora: { services: ['rtc'] } });
    for (const r of [post('/v1/tokens/rtm', rtcOnly, { userId: 'alice' }), get('/rtm/alice', rtcOnly), get('/chat/account/alice', rtcOnly), get('/rte/c/subscriber/uid/42', rtcOnly)]) {
      t.match((await app.inject(r)).json(), { statusCode: 403, code: 'SERVICE_NOT_ALLOWED' }, r.url);
    }
  });

  t.test('a digit-only identity is the uid it encodes (identity "42", uid 1234)', async (t) => {
    const confused = await as({ sub: '42', uid: 1234 });
    await expect403(t, await app.inject(post('/v1/tokens/rtc', confused, { channelName: 'c', userAccount: '42' })), 'IDENTITY_NOT_ALLOWED', 'userAccount');
    await expect403(t, await app.inject(get('/rtc/c/subscriber/userAccount/42', confused)), 'IDENTITY_NOT_ALLOWED', 'uid');
    await expect403(t, await app.inject(post('/v1/tokens/rtm', confused, { userId: '42' })), 'IDENTITY_NOT_ALLOWED', 'userId');
    await expect403(t, await app.inject(get('/rte/c/subscriber/uid/1234/42', confused)), 'IDENTITY_NOT_ALLOWED', 'rtmuid');
    await expect403(t, await app.inject(get('/chat/account/42', confused)), 'IDENTITY_NOT_ALLOWED', 'chatid');
    await expect403(t, await app.inject(post('/getToken', confused, { tokenType: 'rtm', uid: '42' })), 'IDENTITY_NOT_ALLOWED', 'uid');
    await expect403(t, await app.inject(post('/v1/tokens/rtc', confused, { channelName: 'c', userAccount: '0' })), 'WILDCARD_UID_NOT_ALLOWED', 'userAccount');
    t.equal((await app.inject(post('/v1/tokens/rtc', confused, { channelName: 'c', userAccount: '1234' }))).statusCode, 200, 'the own uid as an account');
  });

  t.test('lifetime: above the caller cap is 403, absent is clamped to the cap', async (t) => {
    const capped = await as({ agora: { maxTtl: 600 } });
    await expect403(t, await app.inject(post('/v1/tokens/rtc', capped, { channelName: 'c', uid: 42, expireSeconds: 601 })), 'TTL_ABOVE_CALLER_CAP', 'expireSeconds');
    const res = await app.inject(post('/v1/tokens/rtc', capped, { channelName: 'c', uid: 42 }));
    t.equal(decode007(res.json().token).expire, 600);
    t.equal(res.json().expiresAtUnix - res.json().issuedAtUnix, 600);
    const uncapped = await app.inject(post('/v1/tokens/rtc', alice, { channelName: 'c', uid: 42 }));
    t.equal(decode007(uncapped.json().token).expire, 3600, 'no cap: TOKEN_TTL_DEFAULT');
    const tooLong = await app.inject(post('/v1/tokens/rtc', alice, { channelName: 'c', uid: 42, expireSeconds: 86_401 }));
    t.equal(tooLong.statusCode, 400, 'above the server maximum stays a 400');
  });

  t.test('Chat app tokens only with the claim', async (t) => {
    await expect403(t, await app.inject(post('/v1/tokens/chat', alice, {})), 'SERVICE_NOT_ALLOWED', 'userId');
    await expect403(t, await app.inject(post('/v1/tokens/chat', await as({ agora: { anyUser: true, wildcardUid: true } }), {})), 'SERVICE_NOT_ALLOWED', 'userId');
    t.equal((await app.inject(post('/v1/tokens/chat', await as({ agora: { services: ['chat-app'] } }), {}))).statusCode, 200);
  });

  t.test('a malformed policy claim is refused, never ignored', async (t) => {
    const hostile = { channels: ['*a*a*a*a*a*a*b'] };
    for (const agora of [{ channel: ['x'] }, { channels: 'room-*' }, { maxTtl: 0 }, 'admin', { publisher: true }, { chatApp: true }, { services: ['video'] }, { roles: ['host'] }, { channels: ['bad/name'] }, hostile]) {
      const res = await app.inject(post('/v1/tokens/rtc', await as({ agora }), { channelName: 'c', uid: 42 }));
      t.equal(res.statusCode, 403, JSON.stringify(agora));
      t.equal(res.json().code, 'INVALID_POLICY_CLAIM');
    }
  });

  t.test('compat routes enforce the same rules with their own field names', async (t) => {
    await expect403(t, await app.inject(get('/rtc/c/subscriber/uid/43', alice)), 'IDENTITY_NOT_ALLOWED', 'uid');
    await expect403(t, await app.inject(get('/rtc/c/subscriber/userAccount/bob', alice)), 'IDENTITY_NOT_ALLOWED', 'uid');
    await expect403(t, await app.inject(get('/rtc/c/publisher/uid/42', alice)), 'ROLE_NOT_ALLOWED', 'role');
    t.equal((await app.inject(get('/rtc/c/subscriber/uid/42/', alice))).statusCode, 200);
    await expect403(t, await app.inject(get('/access_token?channelName=c', alice)), 'WILDCARD_UID_NOT_ALLOWED', 'uid');
    t.equal((await app.inject(get('/access_token?channelName=c&uid=42', alice))).statusCode, 200);
    await expect403(t, await app.inject(get('/rtm/bob', alice)), 'IDENTITY_NOT_ALLOWED', 'uid');
    t.equal((await app.inject(get('/rtm/alice', alice))).statusCode, 200);
    await expect403(t, await app.inject(get('/rte/c/subscriber/uid/42/bob', alice)), 'IDENTITY_NOT_ALLOWED', 'rtmuid');
    await expect403(t, await app.inject(get('/rte/c/subscriber/uid/43', alice)), 'IDENTITY_NOT_ALLOWED', 'rtcuid');
    t.equal((await app.inject(get('/rte/c/subscriber/uid/42/alice', alice))).statusCode, 200);
    await expect403(t, await app.inject(get('/chat/app', alice)), 'SERVICE_NOT_ALLOWED', undefined as unknown as string);
    await expect403(t, await app.inject(get('/chat/account/bob', alice)), 'IDENTITY_NOT_ALLOWED', 'chatid');
    t.equal((await app.inject(get('/chat/account/alice?expiry=60', alice))).statusCode, 200);
    const capped = await as({ agora: { maxTtl: 600 } });
    await expect403(t, await app.inject(get('/rtc/c/subscriber/uid/42?expiry=900', capped)), 'TTL_ABOVE_CALLER_CAP', 'expiry');
    const body = (b: Record<string, unknown>) => app.inject(post('/getToken', alice, b));
    await expect403(t, await body({ tokenType: 'rtc', channel: 'c', uid: '43' }), 'IDENTITY_NOT_ALLOWED', 'uid');
    await expect403(t, await body({ tokenType: 'rtm', uid: 'bob' }), 'IDENTITY_NOT_ALLOWED', 'uid');
    await expect403(t, await body({ tokenType: 'chat' }), 'SERVICE_NOT_ALLOWED', 'uid');
    await expect403(t, await app.inject(post('/getToken', capped, { tokenType: 'rtm', uid: 'alice', expire: 601 })), 'TTL_ABOVE_CALLER_CAP', 'expire');
    const ok = await body({ tokenType: 'rtc', channel: 'c', uid: '42' });
    t.equal(decode007(ok.json().token).services[0]?.uid, '42');
    t.equal((await body({ tokenType: 'rtm', uid: 'alice', expire: 60 })).statusCode, 200);
    t.equal((await body({ tokenType: 'chat', uid: 'alice' })).statusCode, 200);
  });

  t.test('one audit record per mint attempt, with the decision, on the request line', async (t) => {
    const before = logLines.length;
    await app.inject(post('/v1/tokens/rtc', alice, { channelName: 'audit-room', uid: 42, expireSeconds: 120 }));
    await app.inject(post('/v1/tokens/rtc', alice, { channelName: 'audit-room', uid: 43 }));
    await app.inject(post('/v1/tokens/rtc', alice, { channelName: 'audit-room', uid: 42, userAccount: 'alice' }));
    const audits = logLines.slice(before).filter((l) => l.includes('"audit"')).map((l) => JSON.parse(l));
    t.equal(audits.length, 3);
    t.match(audits[0], {
      level: 30,
      requestId: String,
      msg: 'request',
      statusCode: 200,
      audit: { caller: 'alice', auth: 'jwt', service: 'rtc', version: '007', channelName: 'audit-room', uid: 42, role: 'subscriber', ttl: 120, decision: 'allowed' },
    });
    t.match(audits[1].audit, { decision: 'denied', code: 'IDENTITY_NOT_ALLOWED', uid: 43 });
    t.match(audits[2].audit, { decision: 'rejected', code: 'VALIDATION_ERROR' }, 'refused by Agora rules after the policy');
    t.notOk(audits.some((a) => JSON.stringify(a).includes('007eJ')), 'never the token');
  });
});
