/**
 * Reads Agora tokens back: what is inside, and whether a certificate signed it.
 * Written from the byte layouts (not from the libraries' parsers) so that tests
 * check the libraries instead of trusting them. All integers are little-endian;
 * a "string" is a uint16 length followed by that many bytes.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { inflateSync } from 'node:zlib';

export const SERVICE_NAMES: Record<number, string> = {
  1: 'rtc',
  2: 'rtm',
  3: 'streaming',
  4: 'fpa',
  5: 'chat',
  6: 'fcdn',
  7: 'apaas',
  8: 'rtm2',
  9: 'convoai',
  10: 'stt',
};

export interface Decoded006 {
  version: '006';
  appId: string;
  signature: Buffer;
  crcChannel: number;
  crcUid: number;
  salt: number;
  /** Unix seconds: the token's own expiry (Agora's libraries: mint time + 24 h). */
  ts: number;
  /** Privilege number → ABSOLUTE unix expiry. */
  privileges: Record<number, number>;
  /** The signed message, needed to verify the signature. */
  message: Buffer;
}

/** Services whose body is channel + uid (RTC, streaming, FCDN) or a single user id (RTM, Chat). */
const CHANNEL_SERVICES = new Set([1, 3, 6]);
const USER_SERVICES = new Set([2, 5]);

export interface Service007 {
  type: number;
  name: string;
  /** Privilege number → seconds after issueTs (0 = no separate limit). */
  privileges: Record<number, number>;
  channelName?: string;
  /** The uid slot as encoded: '' for the wildcard uid 0. */
  uid?: string;
  userId?: string;
}

export interface Decoded007 {
  version: '007';
  appId: string;
  signature: Buffer;
  issueTs: number;
  /** Seconds after issueTs. */
  expire: number;
  salt: number;
  services: Service007[];
  /** True when parsing stopped at a service type whose layout is not known. */
  truncated: boolean;
  signingInfo: Buffer;
}

export class TokenDecodeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TokenDecodeError';
  }
}

class Reader {
  private offset = 0;
  constructor(private readonly buf: Buffer) {}
  private need(n: number): void {
    if (this.offset + n > this.buf.length) throw new TokenDecodeError('token is truncated');
  }
  u16(): number {
    this.need(2);
    const v = this.buf.readUInt16LE(this.offset);
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
  string(): string {
    return this.bytes().toString('utf8');
  }
  map(): Record<number, number> {
    const out: Record<number, number> = {};
    const n = this.u16();
    for (let i = 0; i < n; i++) {
      const key = this.u16();
      out[key] = this.u32();
    }
    return out;
  }
  rest(): Buffer {
    return this.buf.subarray(this.offset);
  }
  get done(): boolean {
    return this.offset === this.buf.length;
  }
}

function hmac(key: Buffer | string, data: Buffer): Buffer {
  return createHmac('sha256', key).update(data).digest();
}

function u32(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32LE(n);
  return b;
}

function sameBytes(a: Buffer, b: Buffer): boolean {
  return a.length === b.length && timingSafeEqual(a, b);
}

const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;

export function decode006(token: string): Decoded006 {
  if (!token.startsWith('006')) throw new TokenDecodeError('not a 006 token');
  const appId = token.slice(3, 35);
  const body = token.slice(35);
  if (appId.length !== 32 || !BASE64.test(body)) throw new TokenDecodeError('malformed 006 token');
  const outer = new Reader(Buffer.from(body, 'base64'));
  const signature = outer.bytes();
  const crcChannel = outer.u32();
  const crcUid = outer.u32();
  const message = outer.bytes();
  const inner = new Reader(message);
  const salt = inner.u32();
  const ts = inner.u32();
  const privileges = inner.map();
  return { version: '006', appId, signature, crcChannel, crcUid, salt, ts, privileges, message };
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

export function decode007(token: string): Decoded007 {
  if (!token.startsWith('007')) throw new TokenDecodeError('not a 007 token');
  const body = token.slice(3);
  if (!BASE64.test(body)) throw new TokenDecodeError('malformed 007 token');
  let raw: Buffer;
  try {
    raw = inflateSync(Buffer.from(body, 'base64'));
  } catch {
    throw new TokenDecodeError('007 token is not valid zlib data');
  }
  const outer = new Reader(raw);
  const signature = outer.bytes();
  const signingInfo = outer.rest();
  const r = new Reader(signingInfo);
  const appId = r.string();
  const issueTs = r.u32();
  const expire = r.u32();
  const salt = r.u32();
  const count = r.u16();
  const services: Service007[] = [];
  let truncated = false;
  for (let i = 0; i < count; i++) {
    const type = r.u16();
    const name = SERVICE_NAMES[type];
    // An unknown service's length is unknown, so nothing after it can be read.
    if (!CHANNEL_SERVICES.has(type) && !USER_SERVICES.has(type)) {
      truncated = true;
      services.push({ type, name: name ?? `unknown-${type}`, privileges: {} });
      break;
    }
    const privileges = r.map();
    if (CHANNEL_SERVICES.has(type)) {
      services.push({ type, name: name as string, privileges, channelName: r.string(), uid: r.string() });
    } else {
      services.push({ type, name: name as string, privileges, userId: r.string() });
    }
  }
  if (!truncated && !r.done) throw new TokenDecodeError('007 token has trailing bytes');
  return { version: '007', appId, signature, issueTs, expire, salt, services, truncated, signingInfo };
}

export function verify007(decoded: Decoded007, appCertificate: string): boolean {
  const k1 = hmac(u32(decoded.issueTs), Buffer.from(appCertificate));
  const k2 = hmac(u32(decoded.salt), k1);
  return sameBytes(hmac(k2, decoded.signingInfo), decoded.signature);
}

export function decodeToken(token: string): Decoded006 | Decoded007 {
  if (token.startsWith('006')) return decode006(token);
  if (token.startsWith('007')) return decode007(token);
  throw new TokenDecodeError('unknown token version (expected 006 or 007)');
}
