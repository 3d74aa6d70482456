/**
 * The codec against agora-token's own classes for every service type it defines,
 * and against hostile input: every malformation comes back as a typed error,
 * never as an exception, and in bounded time. Agora's vectors are in vectors.test.ts.
 */
import { createRequire } from 'node:module';
import { deflateSync } from 'node:zlib';
import fc from 'fast-check';
import t from 'tap';
import {
  MAX_INFLATED_BYTES,
  MAX_TOKEN_LENGTH,
  TokenDecodeError,
  decode006,
  decode007,
  decodeOrThrow,
  decodeToken,
  verify006,
  verify007,
  type DecodeErrorCode,
} from '../../src/tokens/codec.js';
import { createTokenMinter } from '../../src/tokens/mint.js';
import { APP_CERTIFICATE, APP_ID } from '../helper.js';

/** agora-token's classes, untyped on purpose: the test drives them as Agora's own tests do. */
type Service = { add_privilege(p: number, e: number): void };
type Ctor = new (...args: unknown[]) => Service;
const lib = createRequire(import.meta.url)('agora-token/src/AccessToken2.js') as Record<string, Ctor> & {
  AccessToken2: new (a: string, c: string, i: number, e: number) => { salt: number; add_service(s: Service): void; build(): string };
  Rtm2Permissions: new () => { add(r: number, p: number, names: string[]): void };
};

const ISSUE = 1_790_000_000;

function build007(services: Service[], expire = 600, salt = 7): string {
  const token = new lib.AccessToken2(APP_ID, APP_CERTIFICATE, ISSUE, expire);
  token.salt = salt;
  for (const s of services) token.add_service(s);
  return token.build();
}

function svc(name: string, args: unknown[], privileges: Record<number, number>): Service {
  const s = new (lib[name] as Ctor)(...args);
  for (const [p, e] of Object.entries(privileges)) s.add_privilege(Number(p), e);
  return s;
}

// Before the first test: a test run alone (--grep) starts at once, before the module's later lines run.
const minter = createTokenMinter({ appId: APP_ID, appCertificate: APP_CERTIFICATE }, { now: () => ISSUE });
function minted007() {
  return minter.rtcRtm({ channelName: 'room', uid: 42, role: 'publisher', expireSeconds: 600, version: '007', combined: true }).rtcToken;
}
function minted006() {
  return minter.rtc({ channelName: 'room', uid: 42, role: 'publisher', expireSeconds: 600, version: '006' }).token;
}

t.test('every service type agora-token defines decodes to what was put in, and verifies', async (t) => {
  const perms = new lib.Rtm2Permissions();
  perms.add(0, 0, ['message-a', 'message-b']);
  perms.add(0, 1, ['message-a']);
  perms.add(1, 1, ['stream-a']);
  perms.add(2, 0, ['group-a']);
  perms.add(3, 1, ['server-group']);
  perms.add(4, 0, ['user-a', 'user-b']);
  const token = build007(
    [
      svc('ServiceRtc', ['room', 42], { 1: 600, 2: 300 }),
      svc('ServiceRtm', ['alice'], { 1: 600 }),
      svc('ServiceStreaming', ['live', 'anchor'], { 1: 600, 2: 500 }),
      svc('ServiceFpa', [], { 1: 600 }),
      svc('ServiceChat', ['bob'], { 1: 600 }),
      svc('ServiceFCdn', ['cdn', 7], { 1: 400, 2: 600 }),
      svc('ServiceApaas', ['room-uuid-1', 'user-uuid-1', 2], { 1: 600 }),
      svc('ServiceRtm2', ['carol', perms], { 1: 600 }),
      svc('ServiceConvoAI', [], { 1: 600 }),
      svc('ServiceStt', [], { 1: 600 }),
    ],
    900,
    1234,
  );
  const d = decode007(token);
  t.match(d, { version: '007', appId: APP_ID, issueTs: ISSUE, expire: 900, salt: 1234 });
  t.ok(verify007(d, APP_CERTIFICATE), 'signature verifies');
  t.notOk(verify007(d, APP_CERTIFICATE.replace('f', 'e')), 'another certificate does not');
  t.same(d.services, [
    { type: 1, name: 'rtc', privileges: { 1: 600, 2: 300 }, channelName: 'room', uid: '42' },
    { type: 2, name: 'rtm', privileges: { 1: 600 }, userId: 'alice' },
    { type: 3, name: 'streaming', privileges: { 1: 600, 2: 500 }, channelName: 'live', uid: 'anchor' },
    { type: 4, name: 'fpa', privileges: { 1: 600 } },
    { type: 5, name: 'chat', privileges: { 1: 600 }, userId: 'bob' },
    { type: 6, name: 'fcdn', privileges: { 1: 400, 2: 600 }, channelName: 'cdn', uid: '7' },
    { type: 7, name: 'apaas', privileges: { 1: 600 }, roomUuid: 'room-uuid-1', userUuid: 'user-uuid-1', role: 2 },
    {
      type: 8,
      name: 'rtm2',
      privileges: { 1: 600 },
      userId: 'carol',
      permissions: [
        { resourceType: 0, resource: 'messageChannels', permissionType: 0, permission: 'read', resources: ['message-a', 'message-b'] },
        { resourceType: 0, resource: 'messageChannels', permissionType: 1, permission: 'write', resources: ['message-a'] },
        { resourceType: 1, resource: 'streamChannels', permissionType: 1, permission: 'write', resources: ['stream-a'] },
        { resourceType: 2, resource: 'groupChannels', permissionType: 0, permission: 'read', resources: ['group-a'] },
        { resourceType: 3, resource: 'serverGroups', permissionType: 1, permission: 'write', resources: ['server-group'] },
        { resourceType: 4, resource: 'users', permissionType: 0, permission: 'read', resources: ['user-a', 'user-b'] },
      ],
    },
    { type: 9, name: 'convoai', privileges: { 1: 600 } },
    { type: 10, name: 'stt', privileges: { 1: 600 } },
  ]);
});

t.test('APaaS: app and user tokens (no room, role -1) and RTM 2 without permissions', async (t) => {
  const app = decode007(build007([svc('ServiceApaas', [], { 3: 600 })]));
  t.same(app.services, [{ type: 7, name: 'apaas', privileges: { 3: 600 }, roomUuid: '', userUuid: '', role: -1 }], 'role -1 is read signed');
  const user = decode007(build007([svc('ServiceApaas', ['', 'u-1'], { 2: 600 })]));
  t.match(user.services[0], { roomUuid: '', userUuid: 'u-1', role: -1 });
  const rtm2 = decode007(build007([svc('ServiceRtm2', ['dave'], { 1: 600 })]));
  t.same(rtm2.services, [{ type: 8, name: 'rtm2', privileges: { 1: 600 }, userId: 'dave', permissions: [] }]);
});

/** Signature + signing info, compressed: the shape of a 007 token, with any content. */
function raw007(info: Buffer, signature = Buffer.alloc(32, 1)): string {
  const sig = Buffer.alloc(2);
  sig.writeUInt16LE(signature.length);
  return `007${deflateSync(Buffer.concat([sig, signature, info])).toString('base64')}`;
}

function u16(n: number) {
  const b = Buffer.alloc(2);
  b.writeUInt16LE(n);
  return b;
}
function u32(n: number) {
  const b = Buffer.alloc(4);
  b.writeUInt32LE(n);
  return b;
}
function str(s: string | Buffer) {
  const b = Buffer.from(s);
  return Buffer.concat([u16(b.length), b]);
}
/** Signing info: app id, issueTs, expire, salt, then the services as given. */
function info(count: number, ...services: Buffer[]) {
  return Buffer.concat([str(APP_ID), u32(ISSUE), u32(600), u32(1), u16(count), ...services]);
}
const rtcBody = Buffer.concat([u16(1), u16(1), u16(1), u32(600), str('room'), str('42')]);

t.test('hostile input: a typed error for each kind of damage, never an exception', async (t) => {
  const good = minted007();
  const cases: [string, string, DecodeErrorCode][] = [
    ['empty', '', 'EMPTY'],
    ['too long', `007${'A'.repeat(MAX_TOKEN_LENGTH)}`, 'TOO_LONG'],
    ['unknown version', '008abc', 'UNKNOWN_VERSION'],
    ['quoted', `"${good}"`, 'UNKNOWN_VERSION'],
    ['bad base64', '007***', 'BAD_BASE64'],
    ['base64 of the wrong length', '007AAA', 'BAD_BASE64'],
    ['no body', '007', 'BAD_BASE64'],
    ["'+' turned into spaces by URL decoding", `007${'ab+c'.repeat(10)}`.replaceAll('+', ' '), 'BAD_BASE64'],
    ['not zlib', '007AAAA', 'BAD_ZLIB'],
    ['truncated zlib', `007${deflateSync(info(1, rtcBody)).subarray(0, 20).toString('base64')}`, 'BAD_ZLIB'],
    ['zip bomb', `007${deflateSync(Buffer.alloc(MAX_INFLATED_BYTES * 64)).toString('base64')}`, 'INFLATED_TOO_LARGE'],
    ['bytes after the zlib stream', `007${Buffer.concat([deflateSync(info(1, rtcBody)), Buffer.from([1, 2, 3])]).toString('base64')}`, 'TRAILING_BYTES'],
    ['short signature', raw007(info(1, rtcBody), Buffer.alloc(31)), 'BAD_SIGNATURE_LENGTH'],
    ['signature only', raw007(Buffer.alloc(0)), 'TRUNCATED'],
    ['truncated service', raw007(info(1, rtcBody.subarray(0, 12))), 'TRUNCATED'],
    ['more services announced than present', raw007(info(2, rtcBody)), 'TRUNCATED'],
    ['trailing bytes after the services', raw007(Buffer.concat([info(1, rtcBody), Buffer.from([0])])), 'TRAILING_BYTES'],
    ['unknown service type', raw007(info(1, Buffer.concat([u16(11), u16(0)]))), 'UNKNOWN_SERVICE'],
    ['service type 0', raw007(info(1, Buffer.concat([u16(0), u16(0)]))), 'UNKNOWN_SERVICE'],
    ['no services', raw007(info(0)), 'NO_SERVICES'],
    ['App ID not hex', raw007(Buffer.concat([str('z'.repeat(32)), u32(ISSUE), u32(600), u32(1), u16(1), rtcBody])), 'BAD_APP_ID'],
    ['duplicate privilege', raw007(info(1, Buffer.concat([u16(1), u16(2), u16(1), u32(600), u16(1), u32(9), str('room'), str('42')]))), 'DUPLICATE_PRIVILEGE'],
    ['duplicate service', raw007(info(2, rtcBody, rtcBody)), 'DUPLICATE_SERVICE'],
    ['9 privileges in a service', raw007(info(1, Buffer.concat([u16(1), u16(9), ...Array.from({ length: 9 }, (_, i) => Buffer.concat([u16(i + 1), u32(600)])), str('room'), str('42')]))), 'TOO_MANY_ENTRIES'],
    ['9 RTM 2 resource types', raw007(info(1, Buffer.concat([u16(8), u16(0), str('bob'), u16(9)]))), 'TOO_MANY_ENTRIES'],
    ['9 RTM 2 access types', raw007(info(1, Buffer.concat([u16(8), u16(0), str('bob'), u16(1), u16(0), u16(9)]))), 'TOO_MANY_ENTRIES'],
    ['channel not UTF-8', raw007(info(1, Buffer.concat([u16(1), u16(0), str(Buffer.from([0xff, 0xfe])), str('42')]))), 'BAD_TEXT'],
    ['006 too short for an App ID', '006abc', 'BAD_APP_ID'],
    ['006 App ID not hex', `006${'g'.repeat(32)}AAAA`, 'BAD_APP_ID'],
    ['006 bad base64', `006${APP_ID}!!!!`, 'BAD_BASE64'],
    ['006 without a signature', `006${APP_ID}AAAA`, 'BAD_SIGNATURE_LENGTH'],
    ['006 truncated after the signature', `006${APP_ID}${Buffer.concat([str(Buffer.alloc(32)), u16(1)]).toString('base64')}`, 'TRUNCATED'],
  ];
  for (const [what, text, code] of cases) {
    const result = decodeToken(text);
    t.match(result, { ok: false, error: { code, message: String } }, `${what} → ${code}`);
    if (!result.ok) t.ok(result.error.message.length < 200, `${what}: the message is short and quotes no token`);
  }
  t.match(decodeToken(undefined as unknown as string), { ok: false, error: { code: 'EMPTY' } }, 'not even a string');
  t.match(decodeToken(good, { maxLength: 10 }), { ok: false, error: { code: 'TOO_LONG' } }, 'the cap can be lowered');
  t.match(decodeToken(`007${'ab+c'.repeat(10)}`.replaceAll('+', ' ')), { error: { message: /URL-encode/ } }, 'the space hint says what to do');

  // 006: each part of the outer and inner layout, damaged.
  const d6 = decode006(minted006());
  const outer = (sigLen: number, message: Buffer, extra = Buffer.alloc(0)) =>
    `006${APP_ID}${Buffer.concat([str(Buffer.alloc(sigLen)), u32(d6.crcChannel), u32(d6.crcUid), str(message), extra]).toString('base64')}`;
  t.match(decodeToken(outer(32, d6.message)), { ok: true }, 'the rebuilt layout itself is fine');
  t.match(decodeToken(outer(20, d6.message)), { error: { code: 'BAD_SIGNATURE_LENGTH' } });
  t.match(decodeToken(outer(32, d6.message, Buffer.from([0]))), { error: { code: 'TRAILING_BYTES' } });
  t.match(decodeToken(outer(32, Buffer.concat([d6.message, Buffer.from([0])]))), { error: { code: 'TRAILING_BYTES', message: /signed message/ } });
  t.match(decodeToken(outer(32, d6.message.subarray(0, 9))), { error: { code: 'TRUNCATED' } });
});

t.test('the asserting helpers throw TokenDecodeError with the code', async (t) => {
  t.throws(() => decodeOrThrow('x'), { name: 'TokenDecodeError', code: 'UNKNOWN_VERSION', message: /006 or 007/ });
  t.ok(new TokenDecodeError({ code: 'EMPTY', message: 'm' }) instanceof Error);
  t.throws(() => decode006(minted007()), { name: 'TokenDecodeError', code: 'UNKNOWN_VERSION', message: 'not a 006 token' });
  t.throws(() => decode007(minted006()), { name: 'TokenDecodeError', code: 'UNKNOWN_VERSION', message: 'not a 007 token' });
  t.equal(decodeOrThrow(minted006()).version, '006');
});

/** Checks the decoder's contract for one input: a result (never a throw), fast. Returns the result. */
function decodeWithinBudget(text: string) {
  // CPU time, not wall time: on a shared machine the process may wait for a core, which says nothing about the decoder.
  const started = process.cpuUsage();
  const result = decodeToken(text);
  const { user, system } = process.cpuUsage(started);
  const ms = (user + system) / 1000;
  // A guard against hangs (catastrophic inflate or loops), not a speed test: a decode takes well under a
  // millisecond, but the process's CPU time also counts its GC and other threads' tens of ms.
  if (ms > 1000) throw new Error(`decoding took ${ms} ms of CPU`);
  if (typeof result.ok !== 'boolean') throw new Error('not a result');
  return result;
}

const RUNS = 2000;

t.test(`fuzz: ${RUNS} random strings, ${RUNS} random 006/007 bodies`, async (t) => {
  fc.assert(
    fc.property(fc.oneof(fc.string({ maxLength: 300 }), fc.string({ unit: 'binary', maxLength: 300 })), (s) => {
      decodeWithinBudget(s);
      decodeWithinBudget(`007${s}`);
      decodeWithinBudget(`006${APP_ID}${s}`);
    }),
    { numRuns: RUNS },
  );
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 600 }), fc.boolean(), (bytes, compress) => {
      const buf = Buffer.from(bytes);
      decodeWithinBudget(`007${(compress ? deflateSync(buf) : buf).toString('base64')}`);
      decodeWithinBudget(`006${APP_ID}${buf.toString('base64')}`);
    }),
    { numRuns: RUNS },
  );
  t.pass(`${RUNS * 2} random inputs, each decoded within 1 s of CPU (no hang) to a result`);
});

t.test(`fuzz: ${RUNS} mutations of real 006 and 007 tokens`, async (t) => {
  const perms = new lib.Rtm2Permissions();
  perms.add(0, 0, ['a', 'b']);
  const seeds007 = [
    minted007(),
    build007([svc('ServiceApaas', ['r', 'u', 1], { 1: 600 }), svc('ServiceRtm2', ['x', perms], { 1: 600 }), svc('ServiceFCdn', ['c', 'a'], { 1: 600 })]),
  ];
  const content = seeds007.map((s) => {
    const d = decode007(s);
    return Buffer.concat([str(d.signature), d.signingInfo]);
  });
  const seed006 = minted006();
  const raw006 = Buffer.from(seed006.slice(35), 'base64');
  const originals = [...seeds007, seed006].map(decodeOrThrow);
  let decodedOk = 0;
  let forged = 0;
  fc.assert(
    fc.property(
      fc.constantFrom(0, 1, 2),
      fc.array(fc.record({ at: fc.nat(), byte: fc.integer({ min: 0, max: 255 }), op: fc.constantFrom('set', 'insert', 'delete') }), { minLength: 1, maxLength: 4 }),
      fc.option(fc.nat({ max: 400 })),
      (seed, edits, cut) => {
        const base = seed === 2 ? raw006 : (content[seed] as Buffer);
        let bytes = Buffer.from(base);
        for (const e of edits) {
          const at = e.at % (bytes.length + 1);
          if (e.op === 'set' && at < bytes.length) bytes[at] = e.byte;
          else if (e.op === 'insert') bytes = Buffer.concat([bytes.subarray(0, at), Buffer.from([e.byte]), bytes.subarray(at)]);
          else bytes = Buffer.concat([bytes.subarray(0, at), bytes.subarray(at + 1)]);
        }
        if (cut !== null) bytes = bytes.subarray(0, cut);
        const text = seed === 2 ? `006${APP_ID}${bytes.toString('base64')}` : `007${deflateSync(bytes).toString('base64')}`;
        const result = decodeWithinBudget(text);
        if (!result.ok) return;
        decodedOk++;
        // A mutation that still decodes must not verify, unless it left the signature and the signed bytes as
        // they were (006's channel and uid CRCs are not signed: changing them is no forgery).
        const original = originals[seed]!;
        const signed = (d: typeof original) => (d.version === '007' ? d.signingInfo : d.message);
        const same = result.token.signature.equals(original.signature) && signed(result.token).equals(signed(original));
        const valid =
          result.token.version === '007' ? verify007(result.token, APP_CERTIFICATE) : verify006(result.token, APP_CERTIFICATE, 'room', '42');
        if (valid && !same) forged++;
      },
    ),
    { numRuns: RUNS },
  );
  t.equal(forged, 0, 'no mutated token verifies');
  t.ok(decodedOk > 0, `some mutations still decode (${decodedOk}) and were checked for a valid signature`);
});

t.test('round trip: random RTC/RTM/Chat/APaaS/RTM 2 contents built by agora-token decode to themselves', async (t) => {
  const text = fc.string({ unit: fc.constantFrom(...'abcXYZ019 !#$%&()+-:;<=.>?@[]^_{}|~,é'), maxLength: 40 });
  const privileges = fc.dictionary(fc.integer({ min: 1, max: 4 }).map(String), fc.nat({ max: 2 ** 32 - 1 }), { minKeys: 1 });
  const serviceArb = fc.oneof(
    fc.record({ name: fc.constant('ServiceRtc'), args: fc.tuple(text, fc.oneof(text, fc.integer({ min: 1, max: 2 ** 32 - 1 }))) }),
    fc.record({ name: fc.constant('ServiceRtm'), args: fc.tuple(text) }),
    fc.record({ name: fc.constant('ServiceChat'), args: fc.tuple(text) }),
    fc.record({ name: fc.constant('ServiceApaas'), args: fc.tuple(text, text, fc.integer({ min: 1, max: 3 })) }),
    fc.record({ name: fc.constant('ServiceRtm2'), args: fc.tuple(text) }),
  );
  fc.assert(
    fc.property(fc.uniqueArray(fc.record({ s: serviceArb, p: privileges }), { minLength: 1, maxLength: 4, selector: (x) => x.s.name }), fc.nat({ max: 86_400 }), (list, expire) => {
      const token = build007(list.map(({ s, p }) => svc(s.name, s.args, Object.fromEntries(Object.entries(p).map(([k, v]) => [Number(k), v])))), expire);
      const d = decode007(token);
      if (!verify007(d, APP_CERTIFICATE) || d.expire !== expire || d.services.length !== list.length) return false;
      // agora-token sorts services by type (one of each: a repeated type is refused, as Agora's parser keys them by type).
      const sorted = [...list].sort((a, b) => typeOf(a.s.name) - typeOf(b.s.name));
      return d.services.every((got, i) => {
        const want = sorted[i]!;
        const p = Object.fromEntries(Object.entries(want.p).map(([k, v]) => [k, v]));
        if (JSON.stringify(got.privileges) !== JSON.stringify(p)) return false;
        const [a, b, c] = want.s.args as [string, string | number, number];
        if (want.s.name === 'ServiceRtc') return got.channelName === a && got.uid === String(b);
        if (want.s.name === 'ServiceApaas') return got.roomUuid === a && got.userUuid === (b || '') && got.role === c;
        return got.userId === a;
      });
    }),
    { numRuns: 500 },
  );
  t.pass('500 random multi-service tokens round-trip');
});

function typeOf(name: string): number {
  return { ServiceRtc: 1, ServiceRtm: 2, ServiceChat: 5, ServiceApaas: 7, ServiceRtm2: 8 }[name] as number;
}
