import { deflateSync } from 'node:zlib';
import t from 'tap';
import { TokenDecodeError, decode006, decode007 } from '../../src/tokens/decode.js';
import { TokenInputError, checkChannelName, checkLifetime, checkRtmUserId, parseLifetime } from '../../src/tokens/rules.js';
import { APP_ID } from '../helper.js';

t.test('Agora strings: empty, too long, bad characters', async (t) => {
  t.throws(() => checkChannelName(''), new TokenInputError('channelName', 'must not be empty'));
  t.throws(() => checkChannelName('é'.repeat(32)), new TokenInputError('channelName', 'must be at most 63 bytes'), 'bytes, not characters');
  t.throws(() => checkRtmUserId(' leading'), TokenInputError);
  t.doesNotThrow(() => checkChannelName('a'.repeat(63)));
});

t.test('lifetimes', async (t) => {
  t.throws(() => checkLifetime(1.5, 100, 'ttl'), new TokenInputError('ttl', 'must be a whole number of seconds'));
  t.throws(() => checkLifetime(1_700_000_000, 100, 'ttl'), /looks like an absolute unix timestamp/);
  t.throws(() => checkLifetime(0, 100, 'ttl'), new TokenInputError('ttl', 'must be from 1 to 100 seconds'));
  t.throws(() => parseLifetime('1e3', 100, 'expiry'), new TokenInputError('expiry', 'must be a whole number of seconds'));
  t.equal(parseLifetime('60', 100, 'expiry'), 60);
});

/** A 007 token around the given services' bytes (unsigned: for the parser only). */
function token007(services: Buffer[], trailing = Buffer.alloc(0)): string {
  const str = (b: Buffer) => Buffer.concat([Buffer.from([b.length & 0xff, b.length >> 8]), b]);
  const u16 = (n: number) => Buffer.from([n & 0xff, n >> 8]);
  const u32 = (n: number) => {
    const b = Buffer.alloc(4);
    b.writeUInt32LE(n);
    return b;
  };
  const info = Buffer.concat([str(Buffer.from(APP_ID)), u32(1), u32(60), u32(7), u16(services.length), ...services, trailing]);
  return `007${deflateSync(Buffer.concat([str(Buffer.alloc(32)), info])).toString('base64')}`;
}
const u16 = (n: number) => Buffer.from([n & 0xff, n >> 8]);

t.test('007 services the parser cannot size stop parsing', async (t) => {
  const fpa = decode007(token007([u16(4)]));
  t.equal(fpa.truncated, true);
  t.match(fpa.services, [{ type: 4, name: 'fpa' }]);
  t.match(decode007(token007([u16(99)])).services, [{ type: 99, name: 'unknown-99' }]);
  // A known user service (RTM: no privileges, empty user id) followed by junk.
  t.throws(() => decode007(token007([Buffer.concat([u16(2), u16(0), u16(0)])], Buffer.from([1]))), new TokenDecodeError('007 token has trailing bytes'));
});

t.test('wrong or malformed prefixes', async (t) => {
  t.throws(() => decode006('007abc'), new TokenDecodeError('not a 006 token'));
  t.throws(() => decode006(`006${APP_ID.slice(0, 10)}`), new TokenDecodeError('malformed 006 token'));
  t.throws(() => decode006(`006${APP_ID}***`), new TokenDecodeError('malformed 006 token'));
  t.throws(() => decode007('006abc'), new TokenDecodeError('not a 007 token'));
});
