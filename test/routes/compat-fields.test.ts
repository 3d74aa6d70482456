/**
 * Every 400 of a drop-in route names the field as THAT route spells it, whichever
 * layer caught it (schema or one of Agora's rules), always with one code.
 * Table-driven over every compat operation × every input field; the operations and
 * fields come from the app's own OpenAPI document, so a new route or field without
 * a row here fails the test.
 */
import t from 'tap';
import { COMPAT_FIELD_NAMES } from '../../src/routes/compat/index.js';
import { build } from '../helper.js';

interface Row {
  /** Human name of the case. */
  what: string;
  method?: 'GET' | 'POST';
  url: string;
  body?: Record<string, unknown>;
  field: string;
}

const V1_NAMES = ['channelName', 'uid', 'userAccount', 'userId', 'rtmUserId', 'expireSeconds', 'privilegeExpireSeconds'];
const a64 = 'a'.repeat(64);

/** By operationId: the cases, each with one bad field. */
const TABLE: Record<string, Row[]> = {
  legacyAccessToken: [
    { what: 'channelName missing', url: '/access_token', field: 'channelName' },
    { what: 'channelName bad character', url: '/access_token?channelName=bad*', field: 'channelName' },
    { what: 'channelName too long', url: `/access_token?channelName=${a64}`, field: 'channelName' },
    { what: 'uid not a number', url: '/access_token?channelName=c1&uid=x', field: 'uid' },
    { what: 'uid out of range', url: '/access_token?channelName=c1&uid=4294967296', field: 'uid' },
    { what: 'role unknown', url: '/access_token?channelName=c1&role=host', field: 'role' },
    { what: 'expireTime 0', url: '/access_token?channelName=c1&expireTime=0', field: 'expireTime' },
    { what: 'expireTime above the cap', url: '/access_token?channelName=c1&expireTime=86401', field: 'expireTime' },
    { what: 'expireTime a timestamp', url: '/access_token?channelName=c1&expireTime=1795850353', field: 'expireTime' },
    { what: 'expireTime not digits', url: '/access_token?channelName=c1&expireTime=1e3', field: 'expireTime' },
  ],
  legacyRtcToken: [
    { what: 'channelName bad character', url: '/rtc/bad*/publisher/uid/1', field: 'channelName' },
    { what: 'role unknown', url: '/rtc/c1/host/uid/1', field: 'role' },
    { what: 'tokenType unknown', url: '/rtc/c1/publisher/account/1', field: 'tokenType' },
    { what: 'uid not a number', url: '/rtc/c1/publisher/uid/x', field: 'uid' },
    { what: 'uid as account, bad character', url: '/rtc/c1/publisher/userAccount/bad*', field: 'uid' },
    { what: 'expiry 0', url: '/rtc/c1/publisher/uid/1?expiry=0', field: 'expiry' },
    { what: 'expiry a timestamp', url: '/rtc/c1/publisher/uid/1?expiry=1795850353', field: 'expiry' },
    { what: 'version unknown', url: '/rtc/c1/publisher/uid/1?version=005', field: 'version' },
  ],
  legacyRtmToken: [
    { what: 'uid with a leading space', url: '/rtm/%20alice', field: 'uid' },
    { what: 'uid 0', url: '/rtm/0', field: 'uid' },
    { what: 'uid too long', url: `/rtm/${a64}`, field: 'uid' },
    { what: 'expiry above the cap', url: '/rtm/alice?expiry=86401', field: 'expiry' },
    { what: 'version unknown', url: '/rtm/alice?version=5', field: 'version' },
  ],
  legacyRteTokens: [
    { what: 'channelName bad character', url: '/rte/bad*/publisher/uid/1', field: 'channelName' },
    { what: 'role unknown', url: '/rte/c1/host/uid/1', field: 'role' },
    { what: 'tokenType unknown', url: '/rte/c1/publisher/x/1', field: 'tokenType' },
    { what: 'rtcuid not a number', url: '/rte/c1/publisher/uid/x', field: 'rtcuid' },
    { what: 'rtcuid as account, bad character', url: '/rte/c1/publisher/userAccount/bad*', field: 'rtcuid' },
    // The RTM user id defaults to rtcuid; for the wildcard there is none: the rtmuid segment is what is missing.
    { what: 'wildcard rtcuid without rtmuid', url: '/rte/c1/publisher/uid/0', field: 'rtmuid' },
    { what: 'expiry 0', url: '/rte/c1/publisher/uid/1?expiry=0', field: 'expiry' },
    { what: 'version unknown', url: '/rte/c1/publisher/uid/1?version=x', field: 'version' },
  ],
  legacyRteTokensWithRtmUid: [
    { what: 'channelName bad character', url: '/rte/bad*/publisher/uid/1/bob', field: 'channelName' },
    { what: 'role unknown', url: '/rte/c1/host/uid/1/bob', field: 'role' },
    { what: 'tokenType unknown', url: '/rte/c1/publisher/x/1/bob', field: 'tokenType' },
    { what: 'rtcuid out of range', url: '/rte/c1/publisher/uid/4294967296/bob', field: 'rtcuid' },
    { what: 'rtmuid with a leading space', url: '/rte/c1/publisher/uid/1/%20bob', field: 'rtmuid' },
    { what: 'rtmuid too long', url: `/rte/c1/publisher/uid/1/${a64}`, field: 'rtmuid' },
    { what: 'expiry not digits', url: '/rte/c1/publisher/uid/1/bob?expiry=x', field: 'expiry' },
    { what: 'version unknown', url: '/rte/c1/publisher/uid/1/bob?version=x', field: 'version' },
  ],
  legacyChatAppToken: [
    { what: 'expiry 0', url: '/chat/app?expiry=0', field: 'expiry' },
    { what: 'expiry a timestamp', url: '/chat/app?expiry=1795850353', field: 'expiry' },
  ],
  legacyChatUserToken: [
    { what: 'chatid bad character', url: '/chat/account/bad!id', field: 'chatid' },
    { what: 'chatid too long', url: `/chat/account/${'a'.repeat(65)}`, field: 'chatid' },
    { what: 'expiry 0', url: '/chat/account/alice?expiry=0', field: 'expiry' },
  ],
  legacyGetToken: [
    { what: 'tokenType unknown', url: '/getToken', body: { tokenType: 'x', uid: '1', channel: 'c1' }, field: 'tokenType' },
    { what: 'channel missing', url: '/getToken', body: { tokenType: 'rtc', uid: '1' }, field: 'channel' },
    { what: 'channel bad character', url: '/getToken', body: { tokenType: 'rtc', uid: '1', channel: 'bad*' }, field: 'channel' },
    { what: 'role unknown', url: '/getToken', body: { tokenType: 'rtc', uid: '1', channel: 'c1', role: 'host' }, field: 'role' },
    { what: 'rtc uid missing', url: '/getToken', body: { tokenType: 'rtc', channel: 'c1' }, field: 'uid' },
    { what: 'rtc uid out of range', url: '/getToken', body: { tokenType: 'rtc', channel: 'c1', uid: '4294967296' }, field: 'uid' },
    { what: 'rtc account bad character', url: '/getToken', body: { tokenType: 'rtc', channel: 'c1', uid: 'bad*' }, field: 'uid' },
    { what: 'rtm uid missing', url: '/getToken', body: { tokenType: 'rtm' }, field: 'uid' },
    { what: 'rtm uid leading space', url: '/getToken', body: { tokenType: 'rtm', uid: ' alice' }, field: 'uid' },
    { what: 'chat uid bad character', url: '/getToken', body: { tokenType: 'chat', uid: 'bad!id' }, field: 'uid' },
    { what: 'expire above the cap', url: '/getToken', body: { tokenType: 'rtm', uid: 'alice', expire: 86_401 }, field: 'expire' },
    { what: 'expire a timestamp', url: '/getToken', body: { tokenType: 'chat', expire: 1_795_850_353 }, field: 'expire' },
    { what: 'expire negative', url: '/getToken', body: { tokenType: 'chat', expire: -1 }, field: 'expire' },
  ],
  legacyPing: [],
};

/** Which field map each operation declares (route config `fieldNames`). */
const MAP_OF: Record<string, keyof typeof COMPAT_FIELD_NAMES> = {
  legacyAccessToken: 'accessToken',
  legacyRtcToken: 'rtc',
  legacyRtmToken: 'rtm',
  legacyRteTokens: 'rte',
  legacyRteTokensWithRtmUid: 'rte',
  legacyChatAppToken: 'chatApp',
  legacyChatUserToken: 'chat',
  legacyGetToken: 'getToken',
};

type Spec = {
  paths: Record<string, Record<string, { operationId: string; tags?: string[]; parameters?: { name: string }[]; requestBody?: { content: Record<string, { schema: { $ref?: string } }> } }>>;
  components: { schemas: Record<string, { properties: Record<string, unknown> }> };
};

t.test('every compat operation × field: 400 VALIDATION_ERROR naming the field as the route spells it', async (t) => {
  const app = await build(t);
  const spec = app.swagger() as unknown as Spec;
  const operations = Object.values(spec.paths).flatMap((ops) => Object.values(ops)).filter((op) => op.tags?.includes('compat'));
  t.same(operations.map((op) => op.operationId).sort(), Object.keys(TABLE).sort(), 'the table covers exactly the compat operations');

  for (const op of operations) {
    const rows = TABLE[op.operationId]!;
    const ref = op.requestBody?.content['application/json']?.schema.$ref;
    const bodyFields = ref ? Object.keys(spec.components.schemas[ref.split('/').pop()!]!.properties) : [];
    const fields = [...(op.parameters ?? []).map((p) => p.name), ...bodyFields];
    for (const field of fields) t.ok(rows.some((r) => r.field === field), `${op.operationId}: a case for ${field}`);
    // The route's map (used for 403s too) may only name fields the route has.
    const map = MAP_OF[op.operationId];
    if (map) {
      for (const name of Object.values(COMPAT_FIELD_NAMES[map])) {
        t.ok([...fields, ...(op.operationId === 'legacyRteTokens' ? ['rtmuid'] : [])].includes(name), `${op.operationId}: maps to its own field ${name}`);
      }
    }

    for (const row of rows) {
      const res = await app.inject({ method: row.body ? 'POST' : 'GET', url: row.url, ...(row.body && { payload: row.body }) });
      const body = res.json();
      const label = `${op.operationId} ${row.what}`;
      t.equal(res.statusCode, 400, `${label}: 400`);
      t.equal(body.code, 'VALIDATION_ERROR', `${label}: one code`);
      t.equal(body.field, row.field, `${label}: field`);
      t.match(body.message, new RegExp(`^((params|querystring|body)/)?${row.field} `), `${label}: message starts with the field`);
      // A v1 name the route does not use must not appear: the caller never sent it.
      for (const name of V1_NAMES.filter((n) => !fields.includes(n))) {
        t.notOk(new RegExp(`\\b${name}\\b`).test(body.message), `${label}: message does not say ${name}: ${body.message}`);
      }
    }
  }
});

t.test('one code per rule: v1 expireSeconds 0 and compat expiry=0 answer alike', async (t) => {
  const app = await build(t);
  const v1 = await app.inject({ method: 'POST', url: '/v1/tokens/rtc', payload: { channelName: 'c1', uid: 1, expireSeconds: 0 } });
  const compat = await app.inject('/rtc/c1/publisher/uid/1?expiry=0');
  const getToken = await app.inject({ method: 'POST', url: '/getToken', payload: { tokenType: 'chat', expire: 86_401 } });
  t.match(v1.json(), { statusCode: 400, code: 'VALIDATION_ERROR', field: 'expireSeconds' });
  t.match(compat.json(), { statusCode: 400, code: 'VALIDATION_ERROR', field: 'expiry' });
  t.match(getToken.json(), { statusCode: 400, code: 'VALIDATION_ERROR', field: 'expire' });
});

t.test("the spec's 400 example of each compat operation names that operation's own field", async (t) => {
  const app = await build(t);
  const spec = app.swagger() as unknown as { paths: Record<string, Record<string, { operationId: string; tags?: string[]; parameters?: { name: string }[]; responses: Record<string, { content?: Record<string, { example?: { field?: string; code?: string } }> }> }>> };
  for (const op of Object.values(spec.paths).flatMap((ops) => Object.values(ops)).filter((o) => o.tags?.includes('compat') && o.responses['400'])) {
    const example = op.responses['400']!.content!['application/json']!.example!;
    const own = [...(op.parameters ?? []).map((p) => p.name), ...(op.operationId === 'legacyGetToken' ? ['channel', 'uid', 'expire'] : [])];
    t.equal(example.code, 'VALIDATION_ERROR', op.operationId);
    t.ok(own.includes(example.field!), `${op.operationId}: example field ${example.field} is one of ${own.join(', ')}`);
    const denied = op.responses['403']!.content!['application/json']!.example!;
    t.ok(own.includes(denied.field!), `${op.operationId}: 403 example field ${denied.field} is one of ${own.join(', ')}`);
  }
});

t.test("schema-level (Ajv) errors on compat routes name the field as the route spells it", async (t) => {
  const app = await build(t);
  // Each caught by the route's schema (the message says which part of the request), not by a handler rule.
  const rows: [string, string | Record<string, unknown>, string][] = [
    ['/access_token?channelName=bad*', '', 'querystring/channelName'],
    ['/access_token?channelName=c1&uid=01', '', 'querystring/uid'],
    ['/access_token?channelName=c1&expireTime=1e3', '', 'querystring/expireTime'],
    ['/rtc/bad*/publisher/uid/1', '', 'params/channelName'],
    ['/rtc/c1/publisher/userAccount/bad*', '', 'params/uid'],
    ['/rtc/c1/publisher/uid/1?expiry=x', '', 'querystring/expiry'],
    ['/rtm/%20alice', '', 'params/uid'],
    [`/rtm/alice?expiry=${'9'.repeat(16)}`, '', 'querystring/expiry'],
    ['/rte/c1/publisher/userAccount/bad*', '', 'params/rtcuid'],
    ['/rte/c1/publisher/uid/1/%20bob', '', 'params/rtmuid'],
    ['/chat/app?expiry=', '', 'querystring/expiry'],
    ['/chat/account/bad!id', '', 'params/chatid'],
    ['/getToken', { tokenType: 'rtc', uid: '1', channel: 'bad*' }, 'body/channel'],
    ['/getToken', { tokenType: 'rtm', uid: 'a'.repeat(256) }, 'body/uid'],
    ['/getToken', { tokenType: 'chat', expire: 86_401 }, 'body/expire'],
  ];
  for (const [url, payload, where] of rows) {
    const res = await app.inject(payload ? { method: 'POST', url, payload } : { method: 'GET', url });
    const field = where.split('/')[1];
    t.match(res.json(), { statusCode: 400, code: 'VALIDATION_ERROR', field }, `${url}: ${field}`);
    t.ok(res.json().message.startsWith(`${where} `), `${url}: caught by the schema: ${res.json().message}`);
  }
});

t.test("compat parameters document Agora's rules; GET /access_token is a supported operation", async (t) => {
  const app = await build(t);
  type Param = { name: string; in: string; required?: boolean; description: string; schema: Record<string, unknown> };
  const spec = app.swagger() as unknown as { paths: Record<string, Record<string, { operationId: string; tags?: string[]; deprecated?: boolean; parameters?: Param[] }>> };
  const ops = Object.values(spec.paths).flatMap((o) => Object.values(o)).filter((o) => o.tags?.includes('compat'));
  const BOUNDED = ['channelName', 'uid', 'rtcuid', 'rtmuid', 'chatid', 'expiry', 'expireTime'];
  for (const op of ops) {
    t.equal(op.deprecated, op.operationId === 'legacyAccessToken' ? undefined : true, `${op.operationId}: deprecated unless /access_token`);
    for (const p of op.parameters ?? []) {
      t.ok(p.schema.pattern ?? p.schema.enum, `${op.operationId} ${p.name}: a pattern or an enum`);
      if (BOUNDED.includes(p.name)) t.type(p.schema.maxLength, 'number', `${op.operationId} ${p.name}: a length bound`);
    }
  }
  const q = Object.fromEntries(spec.paths['/access_token']!.get!.parameters!.map((p) => [p.name, p]));
  t.match(q.channelName, { required: true, schema: { minLength: 1, maxLength: 63 } });
  t.match(q.uid, { schema: { pattern: '^(0|[1-9][0-9]{0,9})?$', default: '0' }, description: /0 to 4294967295[\s\S]*wildcard/ });
  t.match(q.role, { schema: { default: 'subscriber', enum: ['publisher', 'subscriber', 'audience', ''] } });
  t.match(q.expireTime, { description: /from 1 to 86400[\s\S]*TOKEN_TTL_DEFAULT/ });
  const capped = await build(t, { TOKEN_TTL_MAX: '600', TOKEN_TTL_DEFAULT: '300' });
  const cappedSpec = capped.swagger() as unknown as typeof spec;
  const expireTime = cappedSpec.paths['/access_token']!.get!.parameters!.find((p) => p.name === 'expireTime')!;
  t.match(expireTime.description, /from 1 to 600\b/, 'the documented bound is the deployed TOKEN_TTL_MAX');
});
