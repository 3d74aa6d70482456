import { inspect } from 'node:util';
import t from 'tap';
import { ConfigError, Secret, loadConfig } from '../src/config.js';
import { APP_CERTIFICATE, APP_ID } from './helper.js';

const good = { APP_ID, APP_CERTIFICATE };

t.test('defaults', async (t) => {
  const c = loadConfig(good);
  t.match(c, { appId: APP_ID, port: 8080, host: '0.0.0.0', logLevel: 'info', tokenTtlDefault: 3600, tokenTtlMax: 86_400, corsOrigins: true });
  t.equal(c.appCertificate.reveal(), APP_CERTIFICATE);
});

t.test('values are parsed and trimmed', async (t) => {
  const c = loadConfig({
    ...good,
    PORT: ' 9000 ',
    HOST: '127.0.0.1',
    LOG_LEVEL: 'warn',
    TOKEN_TTL_DEFAULT: '60',
    TOKEN_TTL_MAX: '600',
    CORS_ORIGINS: 'https://a.example.com,http://localhost:3000',
    UNRELATED: 'ignored',
  });
  t.match(c, { port: 9000, host: '127.0.0.1', logLevel: 'warn', tokenTtlDefault: 60, tokenTtlMax: 600 });
  t.same(c.corsOrigins, ['https://a.example.com', 'http://localhost:3000']);
  t.equal(loadConfig({ ...good, PORT: '' }).port, 8080, 'empty means default');
});

t.test('each bad variable gives one line naming it, never its value', async (t) => {
  const cases: [Record<string, string>, RegExp][] = [
    [{ APP_CERTIFICATE }, /^APP_ID is missing: expected your Agora App ID: 32 hexadecimal characters$/],
    [{ APP_ID }, /^APP_CERTIFICATE is missing: expected/],
    [{ ...good, APP_ID: 'xyz' }, /^APP_ID is invalid/],
    [{ ...good, APP_CERTIFICATE: `${APP_CERTIFICATE}0` }, /^APP_CERTIFICATE is invalid: expected your Agora App Certificate/],
    [{ ...good, PORT: '70000' }, /^PORT is invalid: expected a TCP port/],
    [{ ...good, PORT: 'http' }, /^PORT is invalid/],
    [{ ...good, LOG_LEVEL: 'loud' }, /^LOG_LEVEL is invalid: expected one of fatal, error/],
    [{ ...good, TOKEN_TTL_MAX: '86401' }, /^TOKEN_TTL_MAX is invalid/],
    [{ ...good, TOKEN_TTL_MAX: '0' }, /^TOKEN_TTL_MAX is invalid/],
    [{ ...good, TOKEN_TTL_DEFAULT: '7200', TOKEN_TTL_MAX: '3600' }, /^TOKEN_TTL_DEFAULT is invalid/],
    [{ ...good, TOKEN_TTL_DEFAULT: '0' }, /^TOKEN_TTL_DEFAULT is invalid/],
    [{ ...good, CORS_ORIGINS: 'not a url' }, /^CORS_ORIGINS is invalid/],
    [{ ...good, CORS_ORIGINS: ',' }, /^CORS_ORIGINS is invalid/],
  ];
  for (const [env, message] of cases) {
    const err = t.throws(() => loadConfig(env), ConfigError) as unknown as Error;
    t.match(err.message, message);
    t.notOk(err.message.includes('\n'), 'one line');
    t.notOk(err.message.includes(APP_CERTIFICATE.slice(0, 8)), 'no certificate value');
  }
});

t.test('Secret never prints its value', async (t) => {
  const s = new Secret(APP_CERTIFICATE);
  const c = loadConfig(good);
  for (const out of [JSON.stringify(c), String(s), inspect(c), inspect(s), `${s}`]) {
    t.notOk(out.includes(APP_CERTIFICATE), out.slice(0, 60));
  }
  t.equal(s.reveal(), APP_CERTIFICATE);
});
