/**
 * Reads Agora tokens back: every field of 006 (AccessToken) and 007 (AccessToken2),
 * and whether a certificate signed them.
 *
 * Written from the byte layouts, not from the libraries' parsers, so that tests
 * check the libraries instead of trusting them (and so that the inspector and the
 * CLI need no Agora code). All integers are little-endian; a "string" is a uint16
 * length followed by that many bytes.
 *
 * Any text may arrive here (the inspector takes tokens from strangers), so
 * `decodeToken` never throws and never does unbounded work: the token text and
 * the inflated 007 content are capped, every length is checked against what is
 * left, and every loop consumes bytes. Whatever is wrong comes back as a typed
 * error with a stable code.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { crc32, inflateSync } from 'node:zlib';

/** Service types as agora-token 2.0.6 defines them (AccessToken2.kServices). */
export const SERVICE_TYPES = {
  rtc: 1,
  rtm: 2,
  streaming: 3,
  fpa: 4,
  chat: 5,
  fcdn: 6,
  apaas: 7,
  rtm2: 8,
  convoai: 9,
  stt: 10,
} as const;
export type ServiceName = keyof typeof SERVICE_TYPES;

export const SERVICE_NAMES = Object.fromEntries(Object.entries(SERVICE_TYPES).map(([name, type]) => [type, name])) as Record<
  number,
  ServiceName
>;

/** Privilege numbers per service, named as agora-token names them. */
export const PRIVILEGE_NAMES: Record<ServiceName, Record<number, string>> = {
  rtc: { 1: 'joinChannel', 2: 'publishAudioStream', 3: 'publishVideoStream', 4: 'publishDataStream' },
  rtm: { 1: 'login' },
  streaming: { 1: 'publishMixStream', 2: 'publishRawStream' },
  fpa: { 1: 'login' },
  chat: { 1: 'user', 2: 'app' },
  fcdn: { 1: 'publish', 2: 'play' },
  apaas: { 1: 'roomUser', 2: 'user', 3: 'app' },
  rtm2: { 1: 'login' },
  // agora-token 2.0.6's ServiceConvoAI and ServiceStt (AccessToken2.js) define no privilege and no field of their
  // own, and ConvoAITokenBuilder / SttTokenBuilder add them with an empty privilege map: the service's presence is
  // the whole grant, and its lifetime is the token's. A privilege found in one anyway is shown by its number.
  convoai: {},
  stt: {},
};

/** 006 privileges: RTC 1–4 as in 007, and RTM login as 1000. */
export const PRIVILEGE_NAMES_006: Record<number, string> = { ...PRIVILEGE_NAMES.rtc, 1000: 'rtmLogin' };

/** RTM 2 permission lists (agora-token Rtm2Permissions): resource and access types. */
export const RTM2_RESOURCES: Record<number, string> = {
  0: 'messageChannels',
  1: 'streamChannels',
  2: 'groupChannels',
  3: 'serverGroups',
  4: 'users',
};
export const RTM2_ACCESS: Record<number, string> = { 0: 'read', 1: 'write' };

/**
 * Longest token text accepted. What Agora's builders make is far shorter (an RTC
 * token is ~140 characters; RTM 2 permission lists grow it, but stay below 2 KiB
 * for any sensible list); anything longer is refused before it is decoded.
 */
export const MAX_TOKEN_LENGTH = 4096;
/**
 * Cap on the inflated 007 content: a 4 KiB token could otherwise inflate ~1000×
 * (a zip bomb). zlib stops at this size instead of allocating more.
 */
export const MAX_INFLATED_BYTES = 16 * 1024;
/**
 * Most privileges in one service, and most RTM 2 resource types and access types
 * per resource type. Agora defines at most 4 privileges per service, 5 resource
 * types and 2 access types; the cap leaves room for ones it adds, while bounding
 * what the inspector reports for a token (each entry becomes ~150 bytes of answer).
 */
export const MAX_ENTRIES = 8;
/** HMAC-SHA256, the only signature either format uses. */
export const SIGNATURE_BYTES = 32;

export type DecodeErrorCode =
  | 'EMPTY'
  | 'TOO_LONG'
  | 'UNKNOWN_VERSION'
  | 'BAD_APP_ID'
  | 'BAD_BASE64'
  | 'BAD_ZLIB'
  | 'INFLATED_TOO_LARGE'
  | 'TRUNCATED'
  | 'TRAILING_BYTES'
  | 'BAD_SIGNATURE_LENGTH'
  | 'BAD_TEXT'
  | 'DUPLICATE_PRIVILEGE'
  | 'DUPLICATE_SERVICE'
  | 'TOO_MANY_ENTRIES'
  | 'UNKNOWN_SERVICE'
  | 'NO_SERVICES';

export interface DecodeError {
  code: DecodeErrorCode;
  /** Plain words, safe to show: it never quotes more than a few characters of the input. */
  message: string;
}

/** Privilege number → value: 007 seconds after issueTs (0 = until the token expires); 006 ABSOLUTE unix seconds. */
export type Privileges = Record<number, number>;

export interface Rtm2Permission {
  resourceType: number;
  /** messageChannels, streamChannels, groupChannels, serverGroups, users (or `type-N`). */
  resource: string;
  permissionType: number;
  /** read, write (or `type-N`). */
  permission: string;
  /** Resource names, in token order. */
  resources: string[];
}

/**
 * One service of a 007 token. Which body fields are present depends on `name`:
 * rtc, streaming, fcdn: channelName + uid; rtm, chat: userId; rtm2: userId +
 * permissions; apaas: roomUuid + userUuid + role; fpa, convoai, stt: none (convoai and stt carry no privilege
 * either, as Agora's builders make them).
 */
export interface Service007 {
  type: number;
  name: ServiceName;
  privileges: Privileges;
  channelName?: string;
  /** The uid slot exactly as encoded: '' for the wildcard uid 0, else the decimal uid or the user account. */
  uid?: string;
  userId?: string;
  roomUuid?: string;
  userUuid?: string;
  /** APaaS role as a signed 16-bit number (-1: none, as user and app tokens carry). */
  role?: number;
  permissions?: Rtm2Permission[];
}

export interface Decoded007 {
  version: '007';
  appId: string;
  signature: Buffer;
  /** Unix seconds. */
  issueTs: number;
  /** Seconds after issueTs. */
  expire: number;
  salt: number;
  /** In token order (the libraries sort by type). */
  services: Service007[];
  /** The signed bytes: everything after the signature. */
  signingInfo: Buffer;
}

export interface Decoded006 {
  version: '006';
  appId: string;
  signature: Buffer;
  /** CRC-32 of the channel name (RTM: of the user id). */
  crcChannel: number;
  /** CRC-32 of the uid string ('' for the wildcard uid 0 and for RTM, whose CRC is 0). */
  crcUid: number;
  salt: number;
  /** Unix seconds: the token's own expiry (Agora's libraries: mint time + 24 h). */
  ts: number;
  /** Privilege number → ABSOLUTE unix expiry. */
  privileges: Privileges;
  /** The signed message, needed to verify the signature. */
  message: Buffer;
}

export type DecodedToken = Decoded006 | Decoded007;

export type DecodeResult<T = DecodedToken> = { ok: true; token: T } | { ok: false; error: DecodeError };

/** Thrown only by the asserting helpers (`decode006`, `decode007`, `decodeOrThrow`), never by `decodeToken`. */
export class TokenDecodeError extends Error {
  readonly code: DecodeErrorCode;
  constructor(error: DecodeError) {
    super(error.message);
    this.name = 'TokenDecodeError';
    this.code = error.code;
  }
}

/** Internal: carries a DecodeError out of the nested readers to `decodeToken`, which turns it into a result. */
class Stop {
  readonly failure: DecodeError;
  constructor(failure: DecodeError) {
    this.failure = failure;
  }
}

function stop(code: DecodeErrorCode, message: string): never {
  // eslint-disable-next-line @typescript-eslint/only-throw-error -- a control-flow signal that decodeToken always catches; an Error would capture a stack for every malformed token
  throw new Stop({ code, message });
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

class Reader {
  private offset = 0;
  private readonly buf: Buffer;
  private readonly what: string;
  constructor(buf: Buffer, what: string) {
    this.buf = buf;
    this.what = what;
  }
  private need(n: number): void {
    if (this.offset + n > this.buf.length) {
      stop('TRUNCATED', `the ${this.what} ends early: ${n} more bytes expected at byte ${this.offset} of ${this.buf.length}`);
    }
  }
  u16(): number {
    this.need(2);
    const v = this.buf.readUInt16LE(this.offset);
    this.offset += 2;
    return v;
  }
  i16(): number {
    this.need(2);
    const v = this.buf.readInt16LE(this.offset);
    this.offset += 2;
    return v;
  }
  u32(): number {
    this.need(4);
    const v = this.buf.readUInt32LE(this.offset);
    this.offset += 4;
    return v;
  }
  bytes(): Buffer {
    const n = this.u16();
    this.need(n);
    const v = this.buf.subarray(this.offset, this.offset + n);
    this.offset += n;
    return v;
  }
  string(field: string): string {
    const bytes = this.bytes();
    try {
      return utf8.decode(bytes);
    } catch {
      return stop('BAD_TEXT', `the ${field} is not valid UTF-8 text`);
    }
  }
  /** A uint16 count of entries, refused above MAX_ENTRIES. */
  count(what: string): number {
    const n = this.u16();
    if (n > MAX_ENTRIES) stop('TOO_MANY_ENTRIES', `the token lists ${n} ${what}; at most ${MAX_ENTRIES} are accepted (Agora defines far fewer)`);
    return n;
  }
  privileges(where: string): Privileges {
    const out: Privileges = {};
    const n = this.count(`privileges in the ${where}`);
    for (let i = 0; i < n; i++) {
      const key = this.u16();
      // A map: the builders never write a key twice, and which copy a verifier would honour is unknowable.
      if (Object.hasOwn(out, key)) stop('DUPLICATE_PRIVILEGE', `privilege ${key} appears twice in the ${where}`);
      out[key] = this.u32();
    }
    return out;
  }
  rest(): Buffer {
    return this.buf.subarray(this.offset);
  }
  end(): void {
    const left = this.buf.length - this.offset;
    if (left > 0) stop('TRAILING_BYTES', `the ${this.what} has ${left} unexpected bytes at its end`);
  }
}

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;
const HEX32 = /^[0-9a-fA-F]{32}$/;

function base64(body: string): Buffer {
  if (body.includes(' ') && BASE64.test(body.replaceAll(' ', '+'))) {
    stop('BAD_BASE64', "the token contains spaces where '+' belongs: it was probably URL-decoded; URL-encode tokens in query strings");
  }
  if (body.length === 0 || body.length % 4 !== 0 || !BASE64.test(body)) {
    stop('BAD_BASE64', 'the token is not valid base64 after its version prefix');
  }
  return Buffer.from(body, 'base64');
}

function signatureOf(r: Reader): Buffer {
  const signature = r.bytes();
  if (signature.length !== SIGNATURE_BYTES) {
    stop('BAD_SIGNATURE_LENGTH', `the signature is ${signature.length} bytes; Agora signatures are ${SIGNATURE_BYTES}`);
  }
  return signature;
}

function parse006(text: string): Decoded006 {
  const appId = text.slice(3, 35);
  if (!HEX32.test(appId)) stop('BAD_APP_ID', 'a 006 token starts with "006" and a 32-hex-character App ID');
  const outer = new Reader(base64(text.slice(35)), 'token');
  const signature = signatureOf(outer);
  const crcChannel = outer.u32();
  const crcUid = outer.u32();
  const message = outer.bytes();
  outer.end();
  const inner = new Reader(message, 'signed message');
  const salt = inner.u32();
  const ts = inner.u32();
  const privileges = inner.privileges('token');
  inner.end();
  return { version: '006', appId, signature, crcChannel, crcUid, salt, ts, privileges, message };
}

function inflate(compressed: Buffer): Buffer {
  try {
    // `info` reports how much input zlib consumed, so bytes after the zlib stream are caught too.
    const { buffer, engine } = inflateSync(compressed, { maxOutputLength: MAX_INFLATED_BYTES, info: true }) as unknown as {
      buffer: Buffer;
      engine: { bytesWritten: number };
    };
    if (engine.bytesWritten !== compressed.length) {
      stop('TRAILING_BYTES', `the token has ${compressed.length - engine.bytesWritten} bytes after its compressed content`);
    }
    return buffer;
  } catch (err) {
    if (err instanceof Stop) throw err;
    if ((err as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE') {
      stop('INFLATED_TOO_LARGE', `the token inflates to more than ${MAX_INFLATED_BYTES} bytes; no Agora token is that large`);
    }
    return stop('BAD_ZLIB', 'the token is not valid zlib data after its version prefix');
  }
}

function rtm2Permissions(r: Reader): Rtm2Permission[] {
  const out: Rtm2Permission[] = [];
  const resourceTypes = r.count('RTM 2 resource types');
  for (let i = 0; i < resourceTypes; i++) {
    const resourceType = r.u16();
    const permissionTypes = r.count('RTM 2 access types for one resource type');
    for (let j = 0; j < permissionTypes; j++) {
      const permissionType = r.u16();
      const count = r.u16();
      const resources: string[] = [];
      for (let k = 0; k < count; k++) resources.push(r.string('RTM 2 resource name'));
      out.push({
        resourceType,
        resource: RTM2_RESOURCES[resourceType] ?? `type-${resourceType}`,
        permissionType,
        permission: RTM2_ACCESS[permissionType] ?? `type-${permissionType}`,
        resources,
      });
    }
  }
  return out;
}

/** Reads one service body, laid out as agora-token's Service*.pack() writes it. */
function service(r: Reader, type: number): Service007 {
  const name = SERVICE_NAMES[type];
  // An unknown service's length is unknown: nothing after it could be read, nor what it grants.
  if (!name) stop('UNKNOWN_SERVICE', `service type ${type} is not one agora-token defines (1–10)`);
  const privileges = r.privileges(`${name} service`);
  switch (name) {
    case 'rtc':
    case 'streaming':
    case 'fcdn':
      return { type, name, privileges, channelName: r.string('channel name'), uid: r.string('uid') };
    case 'rtm':
    case 'chat':
      return { type, name, privileges, userId: r.string('user id') };
    case 'rtm2':
      return { type, name, privileges, userId: r.string('user id'), permissions: rtm2Permissions(r) };
    case 'apaas':
      return { type, name, privileges, roomUuid: r.string('room uuid'), userUuid: r.string('user uuid'), role: r.i16() };
    case 'fpa':
    case 'convoai':
    case 'stt':
      return { type, name, privileges };
  }
}

function parse007(text: string): Decoded007 {
  const outer = new Reader(inflate(base64(text.slice(3))), 'token');
  const signature = signatureOf(outer);
  const signingInfo = outer.rest();
  const r = new Reader(signingInfo, 'token');
  const appId = r.string('App ID');
  if (!HEX32.test(appId)) stop('BAD_APP_ID', 'the App ID inside the token is not 32 hex characters');
  const issueTs = r.u32();
  const expire = r.u32();
  const salt = r.u32();
  const count = r.u16();
  if (count === 0) stop('NO_SERVICES', 'the token grants no service');
  const services: Service007[] = [];
  for (let i = 0; i < count; i++) {
    const type = r.u16();
    // Agora's parser keys services by type, so a second copy is never what a verifier reads; refusing it also
    // bounds a token to one service of each of the 10 types (and the inspector's answer with it).
    const twice = services.find((s) => s.type === type);
    if (twice) stop('DUPLICATE_SERVICE', `the ${twice.name} service (type ${type}) appears more than once; a token holds each service once`);
    services.push(service(r, type));
  }
  r.end();
  return { version: '007', appId, signature, issueTs, expire, salt, services, signingInfo };
}

export interface DecodeOptions {
  /** Longest text accepted (default MAX_TOKEN_LENGTH). */
  maxLength?: number;
}

/** Decodes any token text. Never throws: a bad token is `{ ok: false, error }`. */
export function decodeToken(text: string, options: DecodeOptions = {}): DecodeResult {
  const maxLength = options.maxLength ?? MAX_TOKEN_LENGTH;
  if (typeof text !== 'string' || text.length === 0) return { ok: false, error: { code: 'EMPTY', message: 'no token given' } };
  if (text.length > maxLength) {
    return { ok: false, error: { code: 'TOO_LONG', message: `the token is ${text.length} characters; at most ${maxLength} are accepted` } };
  }
  try {
    if (text.startsWith('007')) return { ok: true, token: parse007(text) };
    if (text.startsWith('006')) return { ok: true, token: parse006(text) };
  } catch (err) {
    // Every reader above only stops with Stop; anything else is a bug in this module, not bad input.
    /* c8 ignore next */
    if (!(err instanceof Stop)) throw err;
    return { ok: false, error: err.failure };
  }
  return {
    ok: false,
    error: { code: 'UNKNOWN_VERSION', message: 'an Agora token starts with 006 or 007 (no spaces or quotes around it)' },
  };
}

/** For callers that hold a token they expect to be good (tests, known examples): throws TokenDecodeError otherwise. */
export function decodeOrThrow(text: string): DecodedToken {
  const result = decodeToken(text);
  if (!result.ok) throw new TokenDecodeError(result.error);
  return result.token;
}

export function decode007(text: string): Decoded007 {
  const token = decodeOrThrow(text);
  if (token.version !== '007') throw new TokenDecodeError({ code: 'UNKNOWN_VERSION', message: 'not a 007 token' });
  return token;
}

export function decode006(text: string): Decoded006 {
  const token = decodeOrThrow(text);
  if (token.version !== '006') throw new TokenDecodeError({ code: 'UNKNOWN_VERSION', message: 'not a 006 token' });
  return token;
}

function hmac(key: Buffer | string, data: Buffer): Buffer {
  return createHmac('sha256', key).update(data).digest();
}

function u32(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32LE(n);
  return b;
}

/** Constant time for equal lengths; the length (always 32 after decoding) is no secret. */
function sameBytes(a: Buffer, b: Buffer): boolean {
  return a.length === b.length && timingSafeEqual(a, b);
}

/**
 * 007: k1 = HMAC(key = u32 issueTs, certificate); k2 = HMAC(key = u32 salt, k1);
 * signature = HMAC(key = k2, signingInfo).
 */
export function verify007(decoded: Decoded007, appCertificate: string): boolean {
  const k1 = hmac(u32(decoded.issueTs), Buffer.from(appCertificate));
  const k2 = hmac(u32(decoded.salt), k1);
  return sameBytes(hmac(k2, decoded.signingInfo), decoded.signature);
}

/**
 * 006 signs appId ‖ channel ‖ uid ‖ message, but the token carries only CRCs of
 * channel and uid: verifying needs the channel and uid string the caller expects
 * ('' for the wildcard uid 0; for RTM, the user id as channel and '' as uid).
 */
export function verify006(decoded: Decoded006, appCertificate: string, channel: string, uid: string): boolean {
  const data = Buffer.concat([Buffer.from(decoded.appId), Buffer.from(channel), Buffer.from(uid), decoded.message]);
  return sameBytes(hmac(appCertificate, data), decoded.signature);
}

/** CRC-32 as 006 stores it, to check a channel or uid string against a token without the certificate. */
export function crc32Of(text: string): number {
  return crc32(text);
}
