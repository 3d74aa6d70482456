/**
 * The published contract: the committed files are what the app generates, the
 * live endpoints serve the same document, every operation carries what a client
 * generator needs, and the documented bounds are the ones the server enforces.
 */
import { readFileSync } from 'node:fs';
import { Ajv } from 'ajv';
import ajvFormats from 'ajv-formats';
import t from 'tap';
import YAML from 'yaml';
import { loadConfig } from '../../src/config.js';
import { renderOpenApi, SPEC_FILES } from '../../src/openapi.js';
import { EXAMPLE_TIMES, EXAMPLE_TOKENS } from '../../src/schemas/common.js';
import { decode007, verify007 } from '../../src/tokens/codec.js';
import { PROBLEM_CODES } from '../../src/tokens/inspect.js';
import { APP_CERTIFICATE, APP_ID, build } from '../helper.js';

interface Schema {
  $ref?: string;
  type?: string;
  description?: string;
  properties?: Record<string, Schema>;
  example?: unknown;
  enum?: unknown[];
  default?: unknown;
  minimum?: number;
  maximum?: number;
  minLength?: number;
  maxLength?: number;
}
interface Operation {
  operationId: string;
  summary?: string;
  description?: string;
  tags?: string[];
  deprecated?: boolean;
  parameters?: { name: string; in: string; example?: unknown; schema: Schema; description?: string }[];
  requestBody?: { content: Record<string, { schema: Schema }> };
  responses: Record<string, { description: string; content?: Record<string, { schema: Schema; example?: unknown }> }>;
}
interface Spec {
  openapi: string;
  info: { version: string; license?: { name: string; url?: string }; description?: string };
  servers: { url: string }[];
  tags: { name: string }[];
  paths: Record<string, Record<string, Operation>>;
  components: { schemas: Record<string, Schema> };
}

const root = new URL('../../', import.meta.url);
const committedJson = readFileSync(new URL(SPEC_FILES.json, root), 'utf8');
const committedYaml = readFileSync(new URL(SPEC_FILES.yaml, root), 'utf8');
const spec = JSON.parse(committedJson) as Spec;
const pkg = JSON.parse(readFileSync(new URL('package.json', root), 'utf8')) as { version: string; license: string };

const operations = Object.entries(spec.paths).flatMap(([path, item]) =>
  Object.entries(item).map(([method, op]) => ({ path, method, op })),
);
/** The v1 minting operations; the inspector (a v1 route that mints nothing) has its own test below. */
const v1 = operations.filter((o) => o.path.startsWith('/v1/') && o.path !== '/v1/tokens/inspect');
const inspectOp = spec.paths['/v1/tokens/inspect']?.post;
const componentName = (s: Schema | undefined) => s?.$ref?.replace('#/components/schemas/', '');

const ajv = new Ajv({ strict: false, allErrors: true });
ajvFormats.default(ajv);
ajv.addSchema({ components: spec.components }, 'spec');
const validator = (component: string) => ajv.compile({ $ref: `spec#/components/schemas/${component}` });

t.test('the committed spec is what the app generates (else: npm run openapi)', async (t) => {
  const rendered = await renderOpenApi();
  t.equal(committedJson, rendered.json, `${SPEC_FILES.json} is current`);
  t.equal(committedYaml, rendered.yaml, `${SPEC_FILES.yaml} is current`);
  t.same(YAML.parse(committedYaml), spec, 'the YAML and JSON files hold the same document');
  t.equal(spec.openapi, '3.0.3');
});

t.test('the live endpoints serve the same document', async (t) => {
  const app = await build(t);
  const json = await app.inject('/openapi.json');
  t.equal(json.statusCode, 200);
  t.match(json.headers['content-type'], /^application\/json/);
  t.same(json.json(), spec, '/openapi.json = the committed spec (default lifetimes, no PUBLIC_URL)');
  const yaml = await app.inject('/openapi.yaml');
  t.match(yaml.headers['content-type'], /^application\/yaml/);
  t.equal(yaml.body, committedYaml, '/openapi.yaml = the committed YAML');
  t.same((await app.inject('/docs/json')).json(), spec, "Swagger UI's own copy is the same");
});

t.test('servers and bounds follow the configuration', async (t) => {
  const app = await build(t, { PUBLIC_URL: 'https://tokens.example.net/agora', TOKEN_TTL_MAX: '600', TOKEN_TTL_DEFAULT: '60' });
  const live = (await app.inject('/openapi.json')).json<Spec>();
  t.same(live.servers, [{ url: 'https://tokens.example.net/agora', description: 'This deployment' }]);
  const expire = live.components.schemas.RtcTokenRequest?.properties?.expireSeconds;
  t.match(expire, { maximum: 600, default: 60 }, 'expireSeconds documents the configured cap and default');
  const post = (expireSeconds: number) =>
    app.inject({ method: 'POST', url: '/v1/tokens/rtc', payload: { channelName: 'c', uid: 1, expireSeconds } });
  const ok = await post(600);
  t.equal(ok.statusCode, 200, 'the documented maximum is accepted');
  t.equal(ok.json().expiresAtUnix - ok.json().issuedAtUnix, 600);
  t.equal(decode007(ok.json().token).expire, 600, 'the token lives that long');
  t.match((await post(601)).json(), { statusCode: 400, field: 'expireSeconds' }, 'one more is refused');

  for (const bad of ['https://x.example.net/', 'ftp://x.example.net', 'tokens.example.net', 'https://x.example.net?q=1']) {
    t.throws(() => loadConfig({ APP_ID: '0'.repeat(32), APP_CERTIFICATE: '0'.repeat(32), PUBLIC_URL: bad }), {
      name: 'ConfigError',
      message: /^PUBLIC_URL is invalid/,
    }, `PUBLIC_URL ${bad} is refused`);
  }
});

t.test('info says what a client team needs', async (t) => {
  t.equal(spec.info.version, pkg.version, 'version comes from package.json');
  t.match(spec.info.license, { name: pkg.license, url: /^https:\/\// });
  t.match(spec.info.description, /007[\s\S]*006[\s\S]*seconds from now[\s\S]*expiresAt/, 'token versions and expiry semantics');
  t.same(spec.servers, [{ url: '/', description: 'The host serving this document' }]);
  t.same(spec.tags.map((tag) => tag.name), ['tokens', 'health', 'compat'], 'v1 first, legacy last');
  t.ok(operations[0]?.path.startsWith('/v1/tokens/'), 'the first path is a v1 operation');
});

t.test('every operation carries what a generator needs', async (t) => {
  const ids = operations.map((o) => o.op.operationId);
  t.equal(new Set(ids).size, ids.length, 'operationIds are unique');
  t.same(
    v1.map((o) => o.op.operationId),
    ['createRtcToken', 'createRtmToken', 'createRtcRtmTokens', 'createChatToken', 'createApaasToken', 'createConvoAiToken', 'createSttToken', 'createFpaToken'],
    'the v1 operationIds are the stable client method names',
  );
  const tagNames = new Set(spec.tags.map((tag) => tag.name));
  for (const { path, method, op } of operations) {
    const name = `${method.toUpperCase()} ${path}`;
    t.match(op.operationId, /^[a-z][A-Za-z0-9]+$/, `${name}: operationId is a method name`);
    t.ok(op.summary && op.description, `${name}: summary and description`);
    t.ok(op.tags?.length && op.tags.every((tag) => tagNames.has(tag)), `${name}: declared tags`);
    // GET /access_token is the tutorial's API this service was built to serve: supported, not deprecated.
    const supported = op.operationId === 'legacyAccessToken';
    t.equal(op.deprecated === true, op.tags?.includes('compat') === true && !supported, `${name}: deprecated exactly when compat, but for GET /access_token`);
    if (op.requestBody) {
      const schema = op.requestBody.content['application/json']?.schema;
      t.ok(componentName(schema), `${name}: request body is a named component`);
    }
    for (const [status, response] of Object.entries(op.responses)) {
      const schema = response.content?.['application/json']?.schema;
      t.ok(componentName(schema), `${name} ${status}: response is a named component`);
      if (Number(status) >= 400) {
        t.equal(componentName(schema), 'ErrorResponse', `${name} ${status}: the one error shape`);
        const example = response.content?.['application/json']?.example;
        t.ok(validator('ErrorResponse')(example), `${name} ${status}: its example is a valid ErrorResponse`);
        t.match(example, { statusCode: Number(status) }, `${name} ${status}: an example of this very status`);
      }
    }
    if (op.requestBody || op.parameters?.length) {
      t.ok(op.responses['400'], `${name}: documents its 400`);
      t.ok(op.responses['500'], `${name}: documents its 500`);
    }
    for (const p of op.parameters ?? []) {
      // Swagger UI prefills "Try it out" from these.
      t.ok(p.description, `${name} ${p.name}: described`);
      t.ok(p.example !== undefined || p.schema.default !== undefined || p.schema.enum, `${name} ${p.name}: has a value to prefill`);
    }
  }
  for (const o of v1) {
    t.match(Object.keys(o.op.responses), ['200', '400', '401', '403', '413', '415', '429', '500', '503'], `${o.op.operationId}: body and auth errors documented`);
  }
});

t.test('every component is described, with field descriptions and examples', async (t) => {
  for (const [name, schema] of Object.entries(spec.components.schemas)) {
    t.ok(schema.description, `${name}: described`);
    for (const [field, prop] of Object.entries(schema.properties ?? {})) {
      t.ok(prop.description, `${name}.${field}: described`);
      t.ok(prop.example !== undefined || prop.enum, `${name}.${field}: has an example or an enum`);
    }
    if (name.endsWith('Request')) t.ok(schema.example, `${name}: has a whole example body`);
  }
  for (const [name, schema] of Object.entries(spec.components.schemas)) {
    if (name.endsWith('Response') && schema.properties?.issuedAt) t.ok(schema.example, `${name}: has a whole example body`);
  }
  const tokens = Object.fromEntries(Object.entries(EXAMPLE_TOKENS).map(([k, v]) => [k, decode007(v)]));
  for (const [name, d] of Object.entries(tokens)) {
    t.ok(d && verify007(d, APP_CERTIFICATE), `example ${name} token: signed with the test credentials, which open no Agora project`);
    t.match(d, { appId: APP_ID, issueTs: EXAMPLE_TIMES.issuedAtUnix, expire: 3600 }, `example ${name} token: issued at the example time for 3600 s`);
  }
  const publisher = { 1: 3600, 2: 3600, 3: 3600, 4: 3600 };
  t.match(tokens.rtc?.services, [{ name: 'rtc', channelName: 'demo-room', uid: '1234', privileges: publisher }]);
  t.match(tokens.rtm?.services, [{ name: 'rtm', userId: 'alice' }]);
  t.match(tokens.rtmUid1234?.services, [{ name: 'rtm', userId: '1234' }]);
  t.match(tokens.chat?.services, [{ name: 'chat', userId: 'alice', privileges: { 1: 3600 } }]);
  t.match(tokens.rtm2?.services, [
    {
      name: 'rtm2',
      userId: 'alice',
      privileges: { 1: 3600 },
      permissions: [
        { resource: 'messageChannels', permission: 'read', resources: ['lobby', 'news'] },
        { resource: 'messageChannels', permission: 'write', resources: ['lobby'] },
        { resource: 'users', permission: 'read', resources: ['bob'] },
      ],
    },
  ]);
  t.match(tokens.apaas?.services, [
    { name: 'rtm', userId: 'alice' },
    { name: 'chat', userId: '6384e2b2184bcbf58eccf10ca7a6563c' },
    { name: 'apaas', roomUuid: 'class-101', userUuid: 'alice', role: 2, privileges: { 1: 3600 } },
  ]);
  for (const [name, uid, rtmUserId] of [['convoai', '1001', 'agent-1001'], ['stt', '1002', 'stt-1002']] as const) {
    t.match(tokens[name]?.services, [
      { name: 'rtc', channelName: 'demo-room', uid, privileges: publisher },
      { name: 'rtm', userId: rtmUserId, privileges: { 1: 3600 } },
      { name },
    ]);
  }
  t.match(tokens.fpa?.services, [{ name: 'fpa', privileges: { 1: 0 } }]);
  const rtc = spec.components.schemas.RtcTokenRequest?.properties ?? {};
  t.same(rtc.role?.enum, ['publisher', 'subscriber']);
  t.same(rtc.version?.enum, ['006', '007']);
  t.same(spec.components.schemas.CompatGetTokenRequest?.properties?.tokenType?.enum, ['rtc', 'rtm', 'chat']);
});

t.test('each v1 example is accepted and each documented bound is enforced', async (t) => {
  const app = await build(t);

  for (const { path, op } of v1) {
    const request = spec.components.schemas[componentName(op.requestBody?.content['application/json']?.schema) ?? ''];
    const example = request?.example as Record<string, unknown>;
    const post = (payload: Record<string, unknown>) => app.inject({ method: 'POST', url: path, payload });

    const ok = await post(example);
    t.equal(ok.statusCode, 200, `${op.operationId}: the documented example is accepted`);
    const validate = validator(componentName(op.responses['200']?.content?.['application/json']?.schema) ?? '');
    t.ok(validate(ok.json()), `${op.operationId}: 200 body matches its schema ${JSON.stringify(validate.errors)}`);
    for (const [key, value] of Object.entries(ok.json<Record<string, unknown>>()).filter(([k]) => /token$/i.test(k))) {
      const d = decode007(String(value));
      t.ok(verify007(d, APP_CERTIFICATE) && d.expire === example.expireSeconds, `${op.operationId}: ${key} is signed for the example's lifetime`);
    }

    const bad = await post({ ...example, channelName: '#'.repeat(64), userId: '#'.repeat(65) });
    t.ok(validator('ErrorResponse')(bad.json()), `${op.operationId}: 400 body matches ErrorResponse`);

    for (const [field, prop] of Object.entries(request?.properties ?? {})) {
      const probes: [string, unknown][] = [];
      if (prop.maxLength !== undefined) probes.push([`longer than ${prop.maxLength}`, 'a'.repeat(prop.maxLength + 1)]);
      if (prop.minLength !== undefined) probes.push(['empty', '']);
      if (prop.maximum !== undefined) probes.push([`above ${prop.maximum}`, prop.maximum + 1]);
      if (prop.minimum !== undefined) probes.push([`below ${prop.minimum}`, prop.minimum - 1]);
      if (prop.enum) probes.push(['outside the enum', 'nope']);
      for (const [what, value] of probes) {
        const res = await post({ ...example, [field]: value });
        t.match(res.json(), { statusCode: 400, code: 'VALIDATION_ERROR', field }, `${op.operationId}.${field} ${what}: 400`);
      }
      // The bound itself is accepted, for the fields of the example (the others depend on each other).
      if (field in example && (prop.maxLength !== undefined || prop.maximum !== undefined)) {
        const value = prop.maxLength !== undefined ? 'a'.repeat(prop.maxLength) : prop.maximum;
        const res = await post({ ...example, [field]: value });
        t.equal(res.statusCode, 200, `${op.operationId}.${field} = ${String(value).slice(0, 12)}…: accepted`);
        const body = res.json();
        const echoed = field === 'expireSeconds' ? body.expiresAtUnix - body.issuedAtUnix : body[field];
        t.equal(echoed, value, `${op.operationId}.${field}: the token is for what was asked`);
      }
    }
  }
});

t.test('the inspect operation: documented like minting, its examples true to the server', async (t) => {
  t.ok(inspectOp, 'POST /v1/tokens/inspect is in the spec');
  t.equal(inspectOp?.operationId, 'inspectToken');
  t.match(Object.keys(inspectOp?.responses ?? {}), ['200', '400', '401', '403', '413', '415', '429', '500', '503']);
  const request = spec.components.schemas.InspectTokenRequest;
  const response = spec.components.schemas.InspectTokenResponse;
  t.ok(validator('InspectTokenResponse')(response?.example), 'the response example matches its own schema');
  t.same(spec.components.schemas.TokenProblem?.properties?.code?.enum, [...PROBLEM_CODES], 'every problem code is documented');
  // Its 400 example is the inspector's own error, as the server gives it (not a minting route's lifetime error).
  const example400 = (inspectOp?.responses?.['400'] as { content: Record<string, { example: Record<string, unknown> }> }).content['application/json']?.example;
  t.match(example400, { statusCode: 400, code: 'INVALID_TOKEN', field: 'token' });
  const notToken = await (await build(t)).inject({ method: 'POST', url: '/v1/tokens/inspect', payload: { token: 'hello' } });
  t.match(notToken.json(), { statusCode: 400, code: example400?.code, field: example400?.field, message: example400?.message }, 'the 400 example is what the server answers');

  // The documented request, inspected by a server whose clock reads half an hour after the example was minted,
  // gives exactly the documented response.
  const app = await build(t, {}, { now: () => EXAMPLE_TIMES.issuedAtUnix + 1800 });
  const res = await app.inject({ method: 'POST', url: '/v1/tokens/inspect', payload: request?.example as Record<string, unknown> });
  t.equal(res.statusCode, 200);
  t.same(res.json(), response?.example);
});
