/**
 * request.mint is the only path to a token: no decoration of the app (root or a
 * route plugin's encapsulated instance) holds a minting function, so a route cannot
 * mint without authentication, the policy check and the audit line.
 */
import t from 'tap';
import Fastify, { type FastifyInstance } from 'fastify';
import { createTokenMinter } from '../../src/tokens/mint.js';
import { decode007, verify007 } from '../../src/tokens/codec.js';
import { buildApp } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import { APP_CERTIFICATE, APP_ID, baseEnv, build, logLines, logSink } from '../helper.js';

/** The minter's functions, by the names a route would call them. */
const MINT_NAMES = new Set(
  Object.entries(createTokenMinter({ appId: APP_ID, appCertificate: APP_CERTIFICATE }))
    .filter(([, v]) => typeof v === 'function')
    .map(([k]) => k),
);

/**
 * Paths to minting functions reachable from `root` within `depth` property steps
 * (own keys and prototypes, so an encapsulated instance's inherited decorations count).
 */
function mintingPaths(root: object, depth: number): string[] {
  const found: string[] = [];
  const seen = new WeakSet<object>();
  const visit = (value: unknown, path: string, left: number) => {
    if (value === null || (typeof value !== 'object' && typeof value !== 'function')) return;
    if (seen.has(value) || left < 0 || value === Object.prototype || value === Function.prototype) return;
    seen.add(value);
    for (const key of Reflect.ownKeys(value)) {
      let v: unknown;
      try {
        v = Reflect.get(value, key);
      } catch {
        // A getter that needs a listening server, say: not a decoration.
        continue;
      }
      if (typeof key === 'string' && MINT_NAMES.has(key) && typeof v === 'function') found.push(`${path}.${key}`);
      visit(v, `${path}.${String(key)}`, left - 1);
    }
    visit(Object.getPrototypeOf(value), `${path}.<prototype>`, left - 1);
  };
  visit(root, 'app', depth);
  return found;
}

t.test('the walk finds a minter wherever a decoration would hold one', async (t) => {
  const minter = createTokenMinter({ appId: APP_ID, appCertificate: APP_CERTIFICATE });
  const app = Fastify();
  app.decorate('tokens', minter);
  t.ok(MINT_NAMES.has('rtc') && MINT_NAMES.has('fpa'), 'the minter has functions to look for');
  t.match(mintingPaths(app, 3), ['app.tokens.rtc'], 'a decorated minter is found');
  t.same(mintingPaths(Fastify(), 3), [], 'a bare instance holds none');
});

t.test('no decoration reaches the minter: request.mint is the only path to a token', async (t) => {
  const app = await build(t);
  t.notOk(app.hasDecorator('tokens'), 'no `tokens` decoration');
  // The walk reaches the request decorations too: request.mint, and nothing else, mints.
  const paths = mintingPaths(app, 3);
  const viaRequestMint = /^app\.Symbol\(fastify\.Request\)\.prototype\.mint\.\w+$/;
  t.same(paths.filter((p) => viaRequestMint.test(p)).length, MINT_NAMES.size, 'request.mint offers every minting function');
  t.same(paths.filter((p) => !viaRequestMint.test(p)), [], 'and nothing else on the root instance does');

  // A route plugin sees what the routes see: the same (inherited) decorations, and request.mint.
  let seen: FastifyInstance | undefined;
  const routes = await buildApp(loadConfig(baseEnv), { logStream: logSink() });
  t.teardown(() => routes.close());
  await routes.register(async (fastify) => {
    seen = fastify;
    fastify.post('/probe', { schema: { security: [{ bearerAuth: [] }] } }, async (request) => {
      const minted = request.mint.rtc({ channelName: 'c1', uid: 7, role: 'subscriber', version: '007' });
      return { token: minted.token };
    });
  });
  await routes.ready();
  t.same(mintingPaths(seen!, 3).filter((p) => !/\.prototype\.mint\.\w+$/.test(p)), [], "a route plugin's instance exposes none but request.mint");
  const res = await routes.inject({ method: 'POST', url: '/probe' });
  t.equal(res.statusCode, 200);
  const d = decode007(res.json().token);
  t.ok(verify007(d, APP_CERTIFICATE), 'request.mint mints');
  t.match(d.services[0], { channelName: 'c1', uid: '7' });
  t.ok(logLines.some((l) => l.includes('"route":"/probe"') && l.includes('"decision":"allowed"')), 'and audits what it minted');

  t.ok(Object.isFrozen(app.tokenLimits), 'tokenLimits is read-only');
  t.same(app.tokenLimits, { maxTtl: 86_400 }, 'a number only: the lifetime cap');
});
