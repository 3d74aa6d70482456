import { inspect } from 'node:util';
import t from 'tap';
import { Type, type TSchema } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { ConfigError, EnvSchema, Secret, loadConfig } from '../src/config.js';
import { DOC_KEYWORDS, expectedOf, readable, type Doc } from '../src/config/declare.js';
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
    // Unset, the default (3600) is above a low maximum: that is what the message says, not "missing".
    [{ APP_ID, APP_CERTIFICATE, TOKEN_TTL_MAX: '60' }, /^TOKEN_TTL_DEFAULT is invalid: its default, 3600 seconds, is above TOKEN_TTL_MAX \(60\); set TOKEN_TTL_DEFAULT to at most 60$/],
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
  // eslint-disable-next-line @typescript-eslint/restrict-template-expressions -- what a template literal makes of a Secret is the point
  for (const out of [JSON.stringify(c), String(s), inspect(c), inspect(s), `${s}`]) {
    t.notOk(out.includes(APP_CERTIFICATE), out.slice(0, 60));
  }
  t.equal(s.reveal(), APP_CERTIFICATE);
});

function errorOf(env: Record<string, string | undefined>, readFile?: (path: string) => string): string {
  try {
    loadConfig(env, readFile ? { readFile } : {});
  } catch (err) {
    if (err instanceof ConfigError) return err.message;
    throw err;
  }
  return 'no error';
}

t.test('production-readiness defaults', async (t) => {
  const c = loadConfig(good);
  t.equal(c.appId, APP_ID);
  t.equal(c.appCertificate.reveal(), APP_CERTIFICATE);
  t.match(c, {
    port: 8080,
    host: '0.0.0.0',
    logLevel: 'info',
    logFormat: 'auto',
    tokenTtlDefault: 3600,
    tokenTtlMax: 86_400,
    corsOrigins: true,
    shutdown: { drainSeconds: 10, timeoutSeconds: 10 },
    keepAliveTimeoutSeconds: 75,
    metricsPort: undefined,
    shed: { maxEventLoopDelayMs: 1000, maxHeapUsedMb: undefined, maxRssMb: 0, maxEventLoopUtilization: 0, retryAfterSeconds: 5 },
  });
});

t.test('production-readiness variables parsed', async (t) => {
  const c = loadConfig({
    ...good,
    PORT: '3000',
    HOST: '127.0.0.1',
    LOG_LEVEL: 'warn',
    LOG_FORMAT: 'json',
    TOKEN_TTL_DEFAULT: '60',
    TOKEN_TTL_MAX: '600',
    CORS_ORIGINS: 'https://a.example.com, http://b.example.com:8080',
    SHUTDOWN_DRAIN_SECONDS: '0',
    SHUTDOWN_TIMEOUT_SECONDS: '30',
    KEEP_ALIVE_TIMEOUT_SECONDS: '620',
    METRICS_PORT: '9464',
    SHED_MAX_EVENT_LOOP_DELAY_MS: '0',
    SHED_MAX_HEAP_USED_MB: '512',
    SHED_MAX_RSS_MB: '768',
    SHED_MAX_EVENT_LOOP_UTILIZATION: '0.98',
    SHED_RETRY_AFTER_SECONDS: '2',
  });
  t.match(c, {
    port: 3000,
    host: '127.0.0.1',
    logLevel: 'warn',
    logFormat: 'json',
    tokenTtlDefault: 60,
    tokenTtlMax: 600,
    corsOrigins: ['https://a.example.com', 'http://b.example.com:8080'],
    shutdown: { drainSeconds: 0, timeoutSeconds: 30 },
    keepAliveTimeoutSeconds: 620,
    metricsPort: 9464,
    shed: { maxEventLoopDelayMs: 0, maxHeapUsedMb: 512, maxRssMb: 768, maxEventLoopUtilization: 0.98, retryAfterSeconds: 2 },
  });
  t.equal(loadConfig({ ...good, SHED_MAX_EVENT_LOOP_UTILIZATION: '1' }).shed.maxEventLoopUtilization, 1);
});


t.test('production-readiness variables: errors name the variable', async (t) => {
  const cases: [Record<string, string | undefined>, RegExp][] = [
    [{ APP_ID }, /^APP_CERTIFICATE is missing: .*APP_CERTIFICATE_FILE/],
    [{ ...good, LOG_FORMAT: 'xml' }, /^LOG_FORMAT is invalid: expected one of auto, json, pretty/],
    [{ ...good, SHUTDOWN_DRAIN_SECONDS: '3601' }, /^SHUTDOWN_DRAIN_SECONDS is invalid: expected a whole number of seconds from 0 to 3600/],
    [{ ...good, SHUTDOWN_DRAIN_SECONDS: '-1' }, /^SHUTDOWN_DRAIN_SECONDS is invalid/],
    [{ ...good, SHUTDOWN_TIMEOUT_SECONDS: '0' }, /^SHUTDOWN_TIMEOUT_SECONDS is invalid/],
    [{ ...good, KEEP_ALIVE_TIMEOUT_SECONDS: '0' }, /^KEEP_ALIVE_TIMEOUT_SECONDS is invalid/],
    [{ ...good, METRICS_PORT: '0' }, /^METRICS_PORT is invalid: expected a TCP port from 1 to 65535, different from PORT/],
    [{ ...good, METRICS_PORT: '65536' }, /^METRICS_PORT is invalid/],
    [{ ...good, METRICS_PORT: '8080' }, /^METRICS_PORT is invalid/],
    [{ ...good, SHED_MAX_EVENT_LOOP_DELAY_MS: 'fast' }, /^SHED_MAX_EVENT_LOOP_DELAY_MS is invalid/],
    [{ ...good, SHED_MAX_HEAP_USED_MB: '1.5' }, /^SHED_MAX_HEAP_USED_MB is invalid/],
    [{ ...good, SHED_MAX_RSS_MB: '-5' }, /^SHED_MAX_RSS_MB is invalid/],
    [{ ...good, SHED_MAX_EVENT_LOOP_UTILIZATION: '1.5' }, /^SHED_MAX_EVENT_LOOP_UTILIZATION is invalid/],
    [{ ...good, SHED_MAX_EVENT_LOOP_UTILIZATION: '98%' }, /^SHED_MAX_EVENT_LOOP_UTILIZATION is invalid/],
    [{ ...good, SHED_RETRY_AFTER_SECONDS: '0' }, /^SHED_RETRY_AFTER_SECONDS is invalid/],
  ];
  for (const [env, expected] of cases) {
    const message = errorOf(env);
    t.match(message, expected, JSON.stringify(env));
    t.notMatch(message, 'secret-but-malformed', 'the value is not echoed');
  }
});

t.test('APP_CERTIFICATE_FILE reads a mounted secret', async (t) => {
  const files: Record<string, string> = {
    '/run/secrets/cert': `${APP_CERTIFICATE}\n`,
    '/run/secrets/empty': '\n',
    '/run/secrets/bad': 'not-a-certificate-at-all',
  };
  const readFile = (path: string) => {
    const content = files[path];
    if (content === undefined) throw Object.assign(new Error('nope'), { code: 'ENOENT' });
    return content;
  };
  const c = loadConfig({ APP_ID, APP_CERTIFICATE_FILE: '/run/secrets/cert' }, { readFile });
  t.equal(c.appCertificate.reveal(), APP_CERTIFICATE, 'trailing newline trimmed');
  t.match(errorOf({ ...good, APP_CERTIFICATE_FILE: '/run/secrets/cert' }, readFile), /^APP_CERTIFICATE_FILE is invalid: set either APP_CERTIFICATE or APP_CERTIFICATE_FILE, not both/);
  t.equal(errorOf({ APP_ID, APP_CERTIFICATE_FILE: '/run/secrets/missing' }, readFile), 'APP_CERTIFICATE_FILE is invalid: cannot read /run/secrets/missing (ENOENT)');
  t.equal(
    errorOf({ APP_ID, APP_CERTIFICATE_FILE: '/x' }, () => {
      throw new Error('no code');
    }),
    'APP_CERTIFICATE_FILE is invalid: cannot read /x (error)',
  );
  for (const path of ['/run/secrets/empty', '/run/secrets/bad']) {
    const message = errorOf({ APP_ID, APP_CERTIFICATE_FILE: path }, readFile);
    t.match(message, /^APP_CERTIFICATE_FILE is invalid: expected the path of a readable file holding your Agora App Certificate/);
    t.notMatch(message, 'not-a-certificate', 'the content is not echoed');
  }
});

t.test('APP_CERTIFICATE_FILE on the real file system', async (t) => {
  const dir = t.testdir({ cert: `${APP_CERTIFICATE}\n` });
  t.equal(loadConfig({ APP_ID, APP_CERTIFICATE_FILE: `${dir}/cert` }).appCertificate.reveal(), APP_CERTIFICATE);
});


t.test('every schema variable has a description', async (t) => {
  for (const [name, schema] of Object.entries(EnvSchema.properties)) {
    t.ok((schema as { description?: string }).description, name);
  }
});

/** The declarations, as the derivations in src/config/declare.ts read them. */
type Declared = TSchema & Doc & { type?: string; minimum?: number; maximum?: number; default?: unknown };
const declarations = Object.entries(EnvSchema.properties) as [string, Declared][];
const numbers = declarations.filter(([, s]) => s.type === 'integer' || s.type === 'number');
/** Keywords a declaration may use: JSON Schema's (as TypeBox writes them) and Doc's. */
const KEYWORDS = new Set(['type', 'pattern', 'minLength', 'minimum', 'maximum', 'default', 'anyOf', ...DOC_KEYWORDS]);

t.test('every declaration can be read: bounds or accepted text, a description, a default it accepts', async (t) => {
  t.ok(numbers.length >= 15, 'the numbers are typed as numbers');
  for (const [name, schema] of declarations) {
    t.ok(readable(schema), `${name}: ${expectedOf(schema)}`);
    t.same(Object.keys(schema).filter((k) => !KEYWORDS.has(k)), [], `${name}: no keyword the derivations would ignore`);
    if (schema.default !== undefined) t.ok(Value.Check(schema, schema.default), `${name}: its default is valid`);
  }
});

t.test('readable() refuses declarations the derivations cannot read', async (t) => {
  t.notOk(readable(Type.Integer({ minimum: 0, description: 'no maximum' })));
  t.notOk(readable(Type.Integer({ minimum: 0, maximum: 1, expected: 'both', description: 'bounds and prose' })));
  t.notOk(readable(Type.String({ description: 'a string with no accepted text' })));
  t.notOk(readable(Type.Integer({ minimum: 0, maximum: 1 })), 'no description');
  t.notOk(readable(Type.Union([Type.Literal(1), Type.Literal(2)], { description: 'numbers are not text' })));
  t.ok(readable(Type.Number({ minimum: 0, maximum: 2, description: 'x' })));
  t.equal(expectedOf(Type.Number({ minimum: 0, maximum: 2 })), 'a number from 0 to 2');
});

t.test('numbers are canonical decimal text, within the declared bounds', async (t) => {
  for (const [name, schema] of numbers) {
    const { minimum, maximum } = schema as { minimum: number; maximum: number };
    const line = `${name} is invalid: expected ${expectedOf(schema)}`;
    // Leading zeros, signs, exponents, hex, separators, units: each would be a guess at what the operator meant.
    const malformed = ['+1', '-0', '1e3', '0x10', '010', '1_000', '1,000', '1 000', '5s', 'Infinity', 'NaN', '.5', '1.'];
    if (schema.type === 'integer') malformed.push('1.0', '1.5');
    for (const text of [...malformed, String(minimum - 1), String(maximum + 1), `${maximum}0`, '9'.repeat(400)]) {
      t.equal(errorOf({ ...good, [name]: text }), line, `${name}=${text}`);
    }
    for (const value of [minimum, maximum]) {
      // A TOKEN_TTL_MAX below the default lifetime needs TOKEN_TTL_DEFAULT with it.
      const withDefault = name === 'TOKEN_TTL_MAX' ? { TOKEN_TTL_DEFAULT: String(value) } : {};
      t.equal(errorOf({ ...good, ...withDefault, [name]: ` ${value} ` }), 'no error', `${name}=${value}`);
    }
  }
  t.equal(loadConfig({ ...good, SHED_MAX_EVENT_LOOP_UTILIZATION: '0.125' }).shed.maxEventLoopUtilization, 0.125);
});

t.test('each error line is the declaration\'s expected text', async (t) => {
  for (const [name, schema] of declarations) {
    if (schema.type === 'integer' || schema.type === 'number' || schema.anyOf) {
      t.equal(errorOf({ ...good, [name]: 'x' }), `${name} is invalid: expected ${expectedOf(schema)}`);
    }
  }
  t.equal(errorOf({ ...good, LOG_LEVEL: 'loud' }), 'LOG_LEVEL is invalid: expected one of fatal, error, warn, info, debug, trace, silent');
  t.equal(errorOf({ ...good, TOKEN_TTL_DEFAULT: '601', TOKEN_TTL_MAX: '600' }), 'TOKEN_TTL_DEFAULT is invalid: expected a whole number of seconds from 1 to 86400, at most TOKEN_TTL_MAX');
  t.equal(errorOf({ ...good, SHED_MAX_RSS_MB: '-1' }), 'SHED_MAX_RSS_MB is invalid: expected a whole number of megabytes from 0 to 1048576 (0 = off)');
  t.equal(errorOf({ APP_CERTIFICATE }), 'APP_ID is missing: expected your Agora App ID: 32 hexadecimal characters');
});
