import t from 'tap';
import { inspect } from 'node:util';
import { ConfigError, EnvSchema, loadConfig } from '../src/config.js';
import { APP_CERTIFICATE, APP_ID } from './helper.js';

const base = { APP_ID, APP_CERTIFICATE };

function errorOf(env: Record<string, string | undefined>, readFile?: (path: string) => string): string {
  try {
    loadConfig(env, readFile ? { readFile } : {});
  } catch (err) {
    if (err instanceof ConfigError) return err.message;
    throw err;
  }
  return 'no error';
}

t.test('defaults', async (t) => {
  const c = loadConfig(base);
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

t.test('every variable parsed', async (t) => {
  const c = loadConfig({
    ...base,
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
  t.equal(loadConfig({ ...base, SHED_MAX_EVENT_LOOP_UTILIZATION: '1' }).shed.maxEventLoopUtilization, 1);
});

t.test('empty and blank values count as unset', async (t) => {
  const c = loadConfig({ ...base, PORT: '', HOST: '   ', METRICS_PORT: '' });
  t.equal(c.port, 8080);
  t.equal(c.host, '0.0.0.0');
  t.equal(c.metricsPort, undefined);
});

t.test('errors name the variable and never echo a value', async (t) => {
  const cases: [Record<string, string | undefined>, RegExp][] = [
    [{ APP_CERTIFICATE }, /^APP_ID is missing: expected your Agora App ID/],
    [{ APP_ID }, /^APP_CERTIFICATE is missing: .*APP_CERTIFICATE_FILE/],
    [{ ...base, APP_ID: 'xyz' }, /^APP_ID is invalid/],
    [{ ...base, APP_CERTIFICATE: 'secret-but-malformed' }, /^APP_CERTIFICATE is invalid/],
    [{ ...base, PORT: '70000' }, /^PORT is invalid: expected a TCP port/],
    [{ ...base, PORT: 'http' }, /^PORT is invalid/],
    [{ ...base, LOG_LEVEL: 'loud' }, /^LOG_LEVEL is invalid: expected one of fatal/],
    [{ ...base, LOG_FORMAT: 'xml' }, /^LOG_FORMAT is invalid: expected one of auto, json, pretty/],
    [{ ...base, TOKEN_TTL_MAX: '0' }, /^TOKEN_TTL_MAX is invalid/],
    [{ ...base, TOKEN_TTL_MAX: '90000' }, /^TOKEN_TTL_MAX is invalid/],
    [{ ...base, TOKEN_TTL_DEFAULT: '0' }, /^TOKEN_TTL_DEFAULT is invalid/],
    [{ ...base, TOKEN_TTL_MAX: '60', TOKEN_TTL_DEFAULT: '61' }, /^TOKEN_TTL_DEFAULT is invalid/],
    [{ ...base, CORS_ORIGINS: ' , ' }, /^CORS_ORIGINS is invalid/],
    [{ ...base, CORS_ORIGINS: 'example.com' }, /^CORS_ORIGINS is invalid/],
    [{ ...base, SHUTDOWN_DRAIN_SECONDS: '3601' }, /^SHUTDOWN_DRAIN_SECONDS is invalid: expected a whole number of seconds from 0 to 3600/],
    [{ ...base, SHUTDOWN_DRAIN_SECONDS: '-1' }, /^SHUTDOWN_DRAIN_SECONDS is invalid/],
    [{ ...base, SHUTDOWN_TIMEOUT_SECONDS: '0' }, /^SHUTDOWN_TIMEOUT_SECONDS is invalid/],
    [{ ...base, KEEP_ALIVE_TIMEOUT_SECONDS: '0' }, /^KEEP_ALIVE_TIMEOUT_SECONDS is invalid/],
    [{ ...base, METRICS_PORT: '0' }, /^METRICS_PORT is invalid: expected a TCP port from 1 to 65535, different from PORT/],
    [{ ...base, METRICS_PORT: '65536' }, /^METRICS_PORT is invalid/],
    [{ ...base, METRICS_PORT: '8080' }, /^METRICS_PORT is invalid/],
    [{ ...base, SHED_MAX_EVENT_LOOP_DELAY_MS: 'fast' }, /^SHED_MAX_EVENT_LOOP_DELAY_MS is invalid/],
    [{ ...base, SHED_MAX_HEAP_USED_MB: '1.5' }, /^SHED_MAX_HEAP_USED_MB is invalid/],
    [{ ...base, SHED_MAX_RSS_MB: '-5' }, /^SHED_MAX_RSS_MB is invalid/],
    [{ ...base, SHED_MAX_EVENT_LOOP_UTILIZATION: '1.5' }, /^SHED_MAX_EVENT_LOOP_UTILIZATION is invalid/],
    [{ ...base, SHED_MAX_EVENT_LOOP_UTILIZATION: '98%' }, /^SHED_MAX_EVENT_LOOP_UTILIZATION is invalid/],
    [{ ...base, SHED_RETRY_AFTER_SECONDS: '0' }, /^SHED_RETRY_AFTER_SECONDS is invalid/],
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
  t.match(errorOf({ ...base, APP_CERTIFICATE_FILE: '/run/secrets/cert' }, readFile), /^APP_CERTIFICATE_FILE is invalid: set either APP_CERTIFICATE or APP_CERTIFICATE_FILE, not both/);
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

t.test('the certificate never prints', async (t) => {
  const c = loadConfig(base);
  for (const text of [JSON.stringify(c), String(c.appCertificate), inspect(c)]) {
    t.notMatch(text, APP_CERTIFICATE);
    t.match(text, '[redacted]');
  }
});

t.test('every schema variable has a description', async (t) => {
  for (const [name, schema] of Object.entries(EnvSchema.properties)) {
    t.ok((schema as { description?: string }).description, name);
  }
});
