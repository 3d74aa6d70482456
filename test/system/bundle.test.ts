/**
 * The bundle production runs (`npm start`, the image: dist/bundle/server.js, built by
 * scripts/bundle.mjs): what the bundler could break, checked on the running process.
 * Paths resolved from a module's own folder (the spec's package.json, the inspector
 * page, Swagger UI's assets), packages left outside the bundle and loaded on demand
 * (pino's pretty transport in a worker, jose for JWTs), and the spec it serves.
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import t from 'tap';
import { decode007, verify007 } from '../../src/tokens/codec.js';
import { API_KEY, APP_CERTIFICATE, APP_ID } from '../helper.js';
import { ROOT, SERVER_DIST, freePort, startServer, stop } from '../support/processes.js';
import { waitFor } from '../support/wait.js';

t.setTimeout(120_000);
t.equal(SERVER_DIST, `${ROOT}dist/bundle/server.js`, 'the process tests run the bundle, as production does');

t.test('API-key mode: a token, the published spec, the docs and the inspector page', async (t) => {
  const server = await startServer({ cwd: ROOT, entry: 'dist', env: { APP_ID, APP_CERTIFICATE, PORT: '0', AUTH_MODE: 'apiKey', API_KEYS: `app:${API_KEY}` } });
  t.teardown(() => stop(server));
  const base = `http://127.0.0.1:${server.port}`;

  const res = await fetch(`${base}/v1/tokens/rtc`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-api-key': API_KEY },
    body: JSON.stringify({ channelName: 'bundle-room', uid: 42 }),
  });
  t.equal(res.status, 200);
  const { token } = (await res.json()) as { token: string };
  const decoded = decode007(token);
  t.equal(decoded.appId, APP_ID);
  t.ok(verify007(decoded, APP_CERTIFICATE), 'signed with the certificate');
  t.match(decoded.services, [{ type: 1, channelName: 'bundle-room', uid: '42' }]);

  const spec = await (await fetch(`${base}/docs/json`)).json();
  t.same(spec, JSON.parse(readFileSync(`${ROOT}openapi/openapi.json`, 'utf8')), 'the spec it serves is the committed one (version from package.json)');

  const ui = await fetch(`${base}/docs/`);
  t.equal(ui.status, 200);
  const asset = /src="\.\/static\/([^"]+\.js)"/.exec(await ui.text())?.[1];
  t.ok(asset, 'the Swagger UI page names its script');
  const script = await fetch(`${base}/docs/static/${asset}`);
  t.equal(script.status, 200, 'Swagger UI assets are served from their package');
  t.ok((await script.text()).length > 1000);

  const page = await fetch(`${base}/inspect`);
  t.equal(page.status, 200);
  t.match(await page.text(), /<script src="[^"]*inspect\.js"/, 'the inspector page, read from dist/pages');
});

t.test('JWT mode: jose is loaded on demand and judges a forged token', async (t) => {
  const server = await startServer({
    cwd: ROOT,
    entry: 'dist',
    env: { APP_ID, APP_CERTIFICATE, PORT: '0', AUTH_MODE: 'jwt', JWT_SECRET: 'bundle-jwt-secret-0123456789abcdef0123', JWT_ISSUER: 'https://issuer.test', JWT_AUDIENCE: 'bundle' },
  });
  t.teardown(() => stop(server));
  const res = await fetch(`http://127.0.0.1:${server.port}/v1/tokens/rtc`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: 'Bearer e30.e30.c2ln' },
    body: JSON.stringify({ channelName: 'bundle-room', uid: 42 }),
  });
  t.equal(res.status, 401);
  t.match(await res.json(), { code: 'INVALID_TOKEN' });
});

t.test('pretty logs: pino-pretty runs in its worker', async (t) => {
  const port = await freePort();
  const child = spawn(process.execPath, [SERVER_DIST], {
    cwd: ROOT,
    env: { PATH: process.env.PATH, APP_ID, APP_CERTIFICATE, HOST: '127.0.0.1', PORT: String(port), AUTH_MODE: 'none', LOG_FORMAT: 'pretty' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  t.teardown(() => child.kill('SIGKILL'));
  let out = '';
  child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
  await waitFor(() => /INFO.*Server listening/.test(out) || child.exitCode !== null);
  t.match(out, /^\[\d\d:\d\d:\d\d\.\d{3}\] WARN: AUTH_MODE=none/m, 'a human-readable line, not JSON');
  t.match(out, /INFO: Server listening at http:\/\/127\.0\.0\.1:\d+/);
});
