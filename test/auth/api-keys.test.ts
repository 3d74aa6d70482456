import { join } from 'node:path';
import t from 'tap';
import { findApiKey, parseApiKeyLines, sha256 } from '../../src/auth/api-keys.js';
import { loadConfig } from '../../src/config.js';
import { decode007 } from '../../src/tokens/codec.js';
import { API_KEY, OTHER_API_KEY, baseEnv, build, logLines, secrets } from '../helper.js';

const WRONG_KEY = 'wrong-key-0123456789abcdefABCDEF';
const FILE_KEY = 'file-key-0123456789abcdefABCDEFxyz';
const LIMITED_KEY = 'limited-key-0123456789abcdefABCDEF';
secrets.add(WRONG_KEY).add(FILE_KEY).add(LIMITED_KEY);

const rtc = (headers: Record<string, string>, payload: Record<string, unknown> = { channelName: 'room-1', uid: 7 }) => ({
  method: 'POST' as const,
  url: '/v1/tokens/rtc',
  headers,
  payload,
});

t.test('parsing key lines', async (t) => {
  const ok = parseApiKeyLines(
    ['# comment', '', `ops:${API_KEY}`, `sha256:${sha256(OTHER_API_KEY).toString('hex')}`, `  app:${LIMITED_KEY}   channels=room-*,lobby maxTtl=600 roles=subscriber rateLimit=5  `],
    { allowOptions: true },
  );
  t.ok(ok.ok);
  if (!ok.ok) return;
  t.same(ok.entries.map((e) => e.id), ['ops', `key-${sha256(OTHER_API_KEY).toString('hex').slice(0, 8)}`, 'app']);
  t.same(ok.entries[2]?.limits, { channels: ['room-*', 'lobby'], maxTtl: 600, roles: ['subscriber'], rateLimit: 5 });
  t.same(ok.entries[0]?.digest, sha256(API_KEY), 'only the digest is kept');

  const bad = (lines: string[], allowOptions = true) => parseApiKeyLines(lines, { allowOptions });
  const refused = (lines: string[], line: number, reason: RegExp, why: string, allowOptions = true) => {
    const result = bad(lines, allowOptions);
    t.match(result, { ok: false, line, reason }, why);
    for (const text of lines) t.notMatch(result.ok ? '' : result.reason, text.split(' ')[0] ?? '', `${why}: the key is never quoted`);
  };
  refused(['ok:' + API_KEY, 'short'], 2, /^not \[name:\]key/, 'keys shorter than 16 characters are refused');
  refused(['a:b:' + API_KEY], 1, /^not \[name:\]key/, 'a key may not contain ":"');
  refused(['sha256:abcd'], 1, /64 hex digits/, 'a digest is 64 hex digits');
  refused([`${API_KEY} maxTtl=0`], 1, /^bad maxTtl: a whole number of seconds from 1 to 86400$/, 'maxTtl 0');
  refused([`${API_KEY} maxTtl=86401`], 1, /^bad maxTtl/, 'maxTtl above Agora cap');
  refused([`${API_KEY} roles=admin`], 1, /^roles: publisher and\/or subscriber$/, 'unknown role');
  refused([`${API_KEY} rateLimit=-1`], 1, /^bad rateLimit/, 'negative rateLimit');
  refused([`${API_KEY} channels=bad/name`], 1, /^channels: each pattern is 1 to 63 of Agora's channel-name characters/, 'channel patterns use Agora characters');
  refused([`${API_KEY} colour=blue`], 1, /^unknown option \(known: channels=, services=/, 'unknown options are refused');
  refused([`kiosk:${API_KEY} ${OTHER_API_KEY}`], 1, /^unknown option/, 'a stray key is an unknown option, never quoted');
  refused([`${API_KEY} maxTtl=`], 1, /^maxTtl has no value$/, 'empty value');
  refused([`${API_KEY} =600`], 1, /^unknown option/, 'no option name');
  refused([`${API_KEY} maxTtl=600`], 1, /^limits \(name=value options\) are only read from API_KEYS_FILE$/, 'API_KEYS takes no options', false);
  refused([`${API_KEY} services=rtc,video`], 1, /^services: unknown token type \(known: rtc, rtm/, 'unknown token types are refused');
  refused([`${API_KEY} wildcardUid=yes`], 1, /^wildcardUid: true or false$/, 'wildcardUid not boolean');
  refused([`${API_KEY} maxTtl=600 maxTtl=86400`], 1, /^maxTtl is given twice$/, 'an option given twice is refused, not last-wins');
  refused([`${API_KEY} channels=*a*a*a*a*a*a*b`], 1, /^channels: a pattern has more than 4 \*$/, 'at most 4 * per channel pattern');
  t.same(bad([`${API_KEY} channels=a*b*c*d*e`]).ok, true, '4 * are fine');
  const full = parseApiKeyLines([`${API_KEY} services=rtc,chat-app wildcardUid=true`], { allowOptions: true });
  t.same(full.ok && full.entries[0]?.limits, { services: ['rtc', 'chat-app'], wildcardUid: true });
});

t.test('finding a key compares digests', async (t) => {
  const parsed = parseApiKeyLines([`a:${API_KEY}`, `b:${OTHER_API_KEY}`], { allowOptions: false });
  const entries = parsed.ok ? parsed.entries : [];
  t.equal(findApiKey(entries, OTHER_API_KEY)?.id, 'b');
  t.equal(findApiKey(entries, WRONG_KEY), undefined);
  t.equal(findApiKey(entries, ''), undefined);
});

t.test('config: API key variables', async (t) => {
  const load = (env: Record<string, string>) => () => loadConfig({ ...baseEnv, AUTH_MODE: 'apiKey', ...env });
  t.throws(load({}), { message: /^API_KEYS is missing: AUTH_MODE includes apiKey/ });
  t.throws(load({ API_KEYS: 'short' }), { message: /^API_KEYS is invalid at entry 1: not \[name:\]key/ });
  t.throws(load({ API_KEYS: `a:${API_KEY},a:${OTHER_API_KEY}` }), { message: 'API_KEYS is invalid at entry 2: duplicate name a, already used at entry 1' });
  t.throws(load({ API_KEYS_FILE: '/nonexistent/keys' }), { message: /^API_KEYS_FILE is invalid: expected/ });
  const dir = t.testdir({ keys: `# keys\nok:${API_KEY}\nbad line ${WRONG_KEY}\n` });
  let message = '';
  try {
    load({ API_KEYS_FILE: join(dir, 'keys') })();
  } catch (err) {
    message = (err as Error).message;
  }
  t.match(message, /^API_KEYS_FILE is invalid at line 3: not \[name:\]key or/);
  t.notMatch(message, WRONG_KEY, 'the offending line is never echoed');
  t.notMatch(message, API_KEY);
  t.throws(load({ AUTH_MODE: 'apikey' }), { message: /^AUTH_MODE is invalid/ });
  const cfg = loadConfig({ ...baseEnv, AUTH_MODE: 'none', API_KEYS: `a:${API_KEY}` });
  t.same(cfg.auth, { methods: [], apiKeys: [] }, 'an explicit AUTH_MODE=none ignores API_KEYS');
});

t.test('config: credentials without the method that uses them stop start-up', async (t) => {
  const dir = t.testdir({ keys: `a:${API_KEY}\n` });
  for (const [name, value] of [['API_KEYS', `a:${API_KEY}`], ['API_KEYS_FILE', join(dir, 'keys')]] as const) {
    t.throws(() => loadConfig({ ...baseEnv, [name]: value }), {
      message: `AUTH_MODE is missing: ${name} is set, so AUTH_MODE must include apiKey (or be none to run without authentication on purpose)`,
    });
    t.throws(() => loadConfig({ ...baseEnv, AUTH_MODE: 'jwt', JWT_SECRET: 'x'.repeat(32), JWT_ISSUER: 'i', JWT_AUDIENCE: 'a', [name]: value }), {
      message: /^AUTH_MODE is invalid: API_KEYS(_FILE)? is set, so AUTH_MODE must include apiKey/,
    });
  }
  const jwtVariables = {
    JWT_SECRET: 'x'.repeat(32),
    JWT_JWKS_URL: 'https://issuer.example/jwks.json',
    JWT_PUBLIC_KEY: '-----BEGIN PUBLIC KEY-----',
    JWT_ISSUER: 'i',
    JWT_AUDIENCE: 'a',
    JWT_ALGORITHMS: 'HS256',
  };
  for (const [name, value] of Object.entries(jwtVariables)) {
    t.throws(() => loadConfig({ ...baseEnv, [name]: value }), { message: new RegExp(`^AUTH_MODE is missing: ${name} is set, so AUTH_MODE must include jwt`) });
  }
  t.throws(() => loadConfig({ ...baseEnv, AUTH_MODE: 'apiKey', API_KEYS: `a:${API_KEY}`, JWT_ISSUER: 'i' }), { message: /^AUTH_MODE is invalid: JWT_ISSUER/ });
});

t.test('config: one key under two names is refused', async (t) => {
  const load = (env: Record<string, string>) => () => loadConfig({ ...baseEnv, AUTH_MODE: 'apiKey', ...env });
  const same = '(under another name, or as a key and as its digest)';
  const dir = t.testdir({
    keys: `kiosk:${API_KEY} channels=lobby maxTtl=600 roles=subscriber\n\n# legacy\nlegacy:sha256:${sha256(API_KEY).toString('hex')}\n`,
    other: `b:${API_KEY}\n`,
  });
  t.throws(load({ API_KEYS_FILE: join(dir, 'keys') }), { message: `API_KEYS_FILE is invalid at line 4: the same key as line 1 ${same}` }, 'a limited line and an unlimited digest line');
  t.throws(load({ API_KEYS: `a:${API_KEY}`, API_KEYS_FILE: join(dir, 'other') }), { message: `API_KEYS_FILE is invalid at line 1: the same key as API_KEYS entry 1 ${same}` }, 'across API_KEYS and the file');
  t.throws(load({ API_KEYS: `a:${API_KEY},b:${API_KEY}` }), { message: `API_KEYS is invalid at entry 2: the same key as entry 1 ${same}` });
});

t.test('config: every key-file refusal names the variable used, the line and the reason, never the key', async (t) => {
  const load = (env: Record<string, string>) => () => loadConfig({ ...baseEnv, AUTH_MODE: 'apiKey', ...env });
  const cases: [string, string, RegExp][] = [
    ['duplicate key', `a:${API_KEY}\nb:${API_KEY}`, /at line 2: the same key as line 1/],
    ['duplicate name', `a:${API_KEY}\n# c\na:${OTHER_API_KEY}`, /at line 3: duplicate name a, already used at line 1$/],
    ['more than four *', `a:${API_KEY}\nb:${OTHER_API_KEY} channels=*a*b*c*d*e`, /at line 2: channels: a pattern has more than 4 \*$/],
    ['unknown option', `a:${API_KEY} colour=blue`, /at line 1: unknown option/],
    ['bad maxTtl', `\na:${API_KEY} maxTtl=1e3`, /at line 2: bad maxTtl/],
    ['malformed key', `a:${API_KEY}\n${API_KEY.slice(0, 10)}`, /at line 2: not \[name:\]key/],
  ];
  for (const [why, text, reason] of cases) {
    const dir = t.testdir({ keys: text });
    let message = '';
    try {
      load({ API_KEYS_FILE: join(dir, 'keys') })();
    } catch (err) {
      message = (err as Error).message;
    }
    t.match(message, /^API_KEYS_FILE is invalid at line [0-9]+: /, `${why}: names API_KEYS_FILE`);
    t.match(message, reason, why);
    t.notMatch(message, API_KEY.slice(0, 10), `${why}: no key in the message`);
    t.notMatch(message, OTHER_API_KEY.slice(0, 10), `${why}: no key in the message`);
  }
  t.throws(load({ API_KEYS: `a:${API_KEY},b:${OTHER_API_KEY} maxTtl=600` }), { message: /^API_KEYS is invalid at entry 2: limits \(name=value options\) are only read from API_KEYS_FILE$/ });
  t.throws(load({ API_KEYS: `a:${API_KEY}, ,a:${OTHER_API_KEY}` }), { message: /^API_KEYS is invalid at entry 3: duplicate name a, already used at entry 1$/ }, 'API_KEYS names itself');
});

t.test('AUTH_MODE=apiKey', async (t) => {
  const dir = t.testdir({
    keys: [
      `# plaintext is not needed: digests work`,
      `backend:sha256:${sha256(FILE_KEY).toString('hex')}`,
      `limited:${LIMITED_KEY} channels=room-*,lobby maxTtl=600 roles=subscriber rateLimit=4`,
    ].join('\n'),
  });
  const env = { AUTH_MODE: 'apiKey', API_KEYS: `ops:${API_KEY}`, API_KEYS_FILE: join(dir, 'keys') };
  const app = await build(t, env);

  t.test('missing credentials: 401 with a bare Bearer challenge', async (t) => {
    const res = await app.inject(rtc({}));
    t.equal(res.statusCode, 401);
    t.equal(res.headers['www-authenticate'], 'Bearer realm="agora-token-server"');
    t.match(res.json(), { statusCode: 401, error: 'Unauthorized', code: 'MISSING_CREDENTIALS', requestId: String });
  });

  t.test('wrong key: 401 invalid_token, in either header', async (t) => {
    for (const headers of [{ authorization: `Bearer ${WRONG_KEY}` }, { 'x-api-key': WRONG_KEY }] as Record<string, string>[]) {
      const res = await app.inject(rtc(headers));
      t.equal(res.statusCode, 401);
      t.match(res.headers['www-authenticate'], /^Bearer realm="agora-token-server", error="invalid_token"/);
      t.equal(res.json().code, 'INVALID_CREDENTIALS');
    }
  });

  t.test('malformed or ambiguous credentials', async (t) => {
    const basic = await app.inject(rtc({ authorization: 'Basic dXNlcjpwYXNz' }));
    t.equal(basic.statusCode, 401);
    t.match(basic.headers['www-authenticate'], /error="invalid_request"/);
    const both = await app.inject(rtc({ authorization: `Bearer ${API_KEY}`, 'x-api-key': API_KEY }));
    t.equal(both.statusCode, 401);
    t.equal(both.json().code, 'AMBIGUOUS_CREDENTIALS');
  });

  t.test('right key: a token, in either header, plaintext or hashed', async (t) => {
    for (const headers of [{ authorization: `Bearer ${API_KEY}` }, { 'x-api-key': API_KEY }, { authorization: `bearer ${FILE_KEY}` }] as Record<string, string>[]) {
      const res = await app.inject(rtc(headers, { channelName: 'anything', uid: 99, role: 'publisher', expireSeconds: 7200 }));
      t.equal(res.statusCode, 200, JSON.stringify(headers).slice(2, 16));
      const d = decode007(res.json().token);
      t.equal(d.services[0]?.channelName, 'anything');
      t.equal(d.services[0]?.uid, '99', 'keys without limits mint for any user');
      t.same(Object.keys(d.services[0]?.privileges ?? {}), ['1', '2', '3', '4'], 'publisher privileges');
      t.equal(d.expire, 7200);
    }
  });

  t.test('per-key limits', async (t) => {
    const h = { 'x-api-key': LIMITED_KEY };
    const ok = await app.inject(rtc(h, { channelName: 'room-9', uid: 5 }));
    t.equal(ok.statusCode, 200);
    t.equal(decode007(ok.json().token).expire, 600, 'no lifetime asked: the default, capped at the key maxTtl');
    const channel = await app.inject(rtc(h, { channelName: 'vip', uid: 5 }));
    t.match(channel.json(), { statusCode: 403, error: 'Forbidden', code: 'CHANNEL_NOT_ALLOWED', field: 'channelName' });
    const role = await app.inject(rtc(h, { channelName: 'lobby', uid: 5, role: 'publisher' }));
    t.match(role.json(), { statusCode: 403, code: 'ROLE_NOT_ALLOWED', field: 'role' });
    const ttl = await app.inject({ method: 'GET', url: '/rtc/lobby/subscriber/uid/5?expiry=601', headers: h });
    t.match(ttl.json(), { statusCode: 403, code: 'TTL_ABOVE_CALLER_CAP', field: 'expiry' }, 'compat routes apply the same limits');
    const limited = await app.inject(rtc(h, { channelName: 'lobby', uid: 5 }));
    t.equal(limited.statusCode, 429, 'rateLimit=4 for this key (5th request)');
    t.equal(limited.headers['ratelimit-limit'], '4');
    const others = await app.inject(rtc({ 'x-api-key': API_KEY }));
    t.equal(others.statusCode, 200, 'other keys have their own budget');
    t.equal(others.headers['ratelimit-limit'], '600');
  });

  t.test('audit lines name the key, never the key itself or the token', async (t) => {
    // Its own app (fresh rate-limit budgets) and its own requests: it reads only the lines they wrote.
    const own = await build(t, env);
    const before = logLines.length;
    t.equal((await own.inject(rtc({ authorization: `Bearer ${FILE_KEY}` }, { channelName: 'audit', uid: 1 }))).statusCode, 200);
    t.equal((await own.inject(rtc({}))).statusCode, 401);
    t.equal((await own.inject(rtc({ 'x-api-key': LIMITED_KEY }, { channelName: 'vip', uid: 5 }))).statusCode, 403);
    const lines = logLines.slice(before);
    const audits = lines.filter((l) => l.includes('"audit"')).map((l) => JSON.parse(l).audit);
    t.ok(audits.some((a) => a.caller === 'backend' && a.auth === 'apiKey' && a.decision === 'allowed'));
    const requests = lines.map((l) => JSON.parse(l)).filter((l) => l.msg === 'request' && l.route === '/v1/tokens/rtc');
    t.ok(requests.some((l) => l.callerId === 'backend'), 'the request line names the caller');
    t.ok(requests.some((l) => l.statusCode === 401 && l.callerId === undefined), 'and no caller when refused');
    t.ok(audits.some((a) => a.caller === 'limited' && a.decision === 'denied' && a.code === 'CHANNEL_NOT_ALLOWED'));
    t.notOk(lines.some((l) => l.includes('007eJ')), 'no token in any line');
  });

  t.test('HEAD on a minting GET route is guarded too', async (t) => {
    t.equal((await app.inject({ method: 'HEAD', url: '/rtm/alice' })).statusCode, 401);
    t.equal((await app.inject({ method: 'HEAD', url: '/rtm/alice', headers: { 'x-api-key': API_KEY } })).statusCode, 200);
  });

  t.test('routes without security need no key', async (t) => {
    t.equal((await app.inject({ method: 'GET', url: '/healthz' })).statusCode, 200);
    t.equal((await app.inject({ method: 'GET', url: '/ping' })).statusCode, 200);
  });
});

t.test('X-API-Key on a JWT-only server is refused', async (t) => {
  const app = await build(t, { AUTH_MODE: 'jwt', JWT_SECRET: 'x'.repeat(32), JWT_ISSUER: 'i', JWT_AUDIENCE: 'a' });
  const res = await app.inject(rtc({ 'x-api-key': API_KEY }));
  t.equal(res.statusCode, 401);
  t.equal(res.json().message, 'API keys are not accepted by this server');
});
