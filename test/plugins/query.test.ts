/**
 * Query strings are read strictly on every route that takes one: a value or key that
 * is not valid percent-encoding, or a parameter the route does not know, is a 400
 * naming it (never a token for the raw text or the wildcard); the request line keeps
 * the values of the route's own parameters only.
 */
import t from 'tap';
import { checkQuery, loggableUrl } from '../../src/plugins/query.js';
import { decode006, decode007, verify006 } from '../../src/tokens/codec.js';
import { APP_CERTIFICATE, build, logLines } from '../helper.js';

type Line = Record<string, unknown>;
const requestLines = (from: number) => logLines.slice(from).map((l) => JSON.parse(l) as Line).filter((l) => l.msg === 'request');

/** Every query-taking route, with a query it accepts and one of its parameters. */
const ROUTES: [url: string, parameter: string][] = [
  ['/access_token?channelName=demo&uid=5', 'channelName'],
  ['/access_token?channelName=demo&uid=5', 'uid'],
  ['/access_token?channelName=demo&role=publisher', 'role'],
  ['/access_token?channelName=demo&expireTime=60', 'expireTime'],
  ['/rtc/demo/publisher/uid/5?expiry=60', 'expiry'],
  ['/rtc/demo/publisher/uid/5?version=006', 'version'],
  ['/rtm/alice?expiry=60', 'expiry'],
  ['/rte/demo/publisher/uid/5?version=007', 'version'],
  ['/rte/demo/publisher/uid/5/alice?expiry=60', 'expiry'],
  ['/chat/app?expiry=60', 'expiry'],
  ['/chat/account/alice?expiry=60', 'expiry'],
];

t.test('invalid percent-encoding in a value: 400 naming the parameter, on every query-taking route', async (t) => {
  const app = await build(t);
  const first = await app.inject('/access_token?channelName=%ff&uid=5');
  t.equal(first.statusCode, 400, 'channelName=%ff is not the channel "%ff"');
  t.match(first.json(), { code: 'VALIDATION_ERROR', field: 'channelName', message: /channelName is not valid percent-encoding/ });
  for (const [url, parameter] of ROUTES) {
    t.equal((await app.inject(url)).statusCode, 200, `${url} is fine as is`);
    for (const bad of ['%ff', '%', '%zz', 'a%e2%82']) {
      const broken = url.replace(new RegExp(`([?&]${parameter}=)[^&]*`), `$1${bad}`);
      const res = await app.inject(broken);
      t.equal(res.statusCode, 400, broken);
      t.match(res.json(), { code: 'VALIDATION_ERROR', field: parameter }, broken);
    }
  }
  const key = await app.inject('/access_token?channelName=demo&%ff=1');
  t.match(key.json(), { statusCode: 400, code: 'VALIDATION_ERROR', message: 'querystring parameter "%ff" is not valid percent-encoding' }, 'a key that does not decode');
});

t.test('valid encodings still decode: %2D, %35, + for a space', async (t) => {
  const app = await build(t);
  const res = await app.inject('/access_token?channelName=demo%2Droom&uid=%35');
  t.equal(res.statusCode, 200);
  t.ok(verify006(decode006(res.json().token), APP_CERTIFICATE, 'demo-room', '5'), 'channel demo-room, uid 5');
  const spaced = await app.inject('/access_token?channelName=a+b&uid=5');
  t.ok(verify006(decode006(spaced.json().token), APP_CERTIFICATE, 'a b', '5'), '+ is a space, as in a form');
  const rtc = decode007((await app.inject('/rtc/demo/publisher/uid/5?expiry=6%30')).json().rtcToken).services[0];
  t.match(rtc?.privileges, { 1: 60 }, 'expiry=6%30 is 60');
});

t.test('unknown parameters: 400 naming them, never a wildcard token; the cache-buster _ is tolerated', async (t) => {
  const app = await build(t);
  for (const [extra, field] of [
    ['uid[]=5', 'uid[]'],
    ['UID=5', 'UID'],
    ['uid%5B%5D=5', 'uid[]'],
    ['apikey=abc', 'apikey'],
    ['user', 'user'],
  ] as const) {
    const res = await app.inject(`/access_token?channelName=c&${extra}`);
    t.equal(res.statusCode, 400, extra);
    t.match(res.json(), { code: 'VALIDATION_ERROR', message: `querystring/${field} is not a known parameter (expected channelName, uid, role, expireTime)` }, extra);
    t.notOk('field' in res.json(), 'no field: the route has none by that name');
  }
  for (const [url] of ROUTES) {
    const res = await app.inject(`${url}&Expiry=60`);
    t.match(res.json(), { statusCode: 400, message: /^querystring\/Expiry is not a known parameter/ }, `${url}: a parameter in the wrong case`);
  }
  const busted = await app.inject('/access_token?channelName=c&uid=5&_=1733200000000');
  t.equal(busted.statusCode, 200, '_=<timestamp> (jQuery cache: false) is ignored');
  t.ok(verify006(decode006(busted.json().token), APP_CERTIFICATE, 'c', '5'), 'a token for uid 5, not the wildcard');
  t.equal((await app.inject('/chat/app?_=1')).statusCode, 200);
});

t.test('the request line keeps only the route\'s own parameters\' values', async (t) => {
  const app = await build(t);
  const from = logLines.length;
  await app.inject({ url: '/access_token?channelName=c&uid=5&apikey=secret-in-query-0123456789&_=1', headers: { 'x-request-id': 'q1' } });
  await app.inject({ method: 'POST', url: '/v1/tokens/chat?apikey=secret-in-query-0123456789&flag', payload: {}, headers: { 'x-request-id': 'q2' } });
  await app.inject({ url: '/nowhere?apikey=secret-in-query-0123456789', headers: { 'x-request-id': 'q3' } });
  const lines = requestLines(from);
  t.match(lines.find((l) => l.requestId === 'q1'), { statusCode: 400, url: '/access_token?channelName=c&uid=5&[redacted]&[redacted]' });
  t.match(lines.find((l) => l.requestId === 'q2'), { statusCode: 200, url: '/v1/tokens/chat?[redacted]&[redacted]' }, 'a route without query parameters');
  t.match(lines.find((l) => l.requestId === 'q3'), { statusCode: 404, url: '/nowhere?[redacted]' });
  t.notOk(logLines.slice(from).some((l) => l.includes('secret-in-query')), 'in no line at any level');
});

t.test('checkQuery and loggableUrl on their own', async (t) => {
  const known = new Set(['a']);
  t.doesNotThrow(() => checkQuery('/x', known));
  t.doesNotThrow(() => checkQuery('/x?a=1&&a&_', known), 'empty pairs, keys without values');
  t.throws(() => checkQuery('/x?b', known), { statusCode: 400, message: /^querystring\/b is not a known parameter \(expected a\)/ });
  t.throws(() => checkQuery('/x?b', new Set()), { message: /this route takes none/ });
  t.equal(loggableUrl('/x', known), '/x');
  t.equal(loggableUrl('/x?a=1&b=2&%ff=3&a&%61=2', known), '/x?a=1&[redacted]&[redacted]&a&%61=2');
  t.equal(loggableUrl('/x?a=1&a+b=2', known), '/x?a=1&[redacted]', 'a key that decodes to another name is not the known one');
  t.equal(loggableUrl('/x?a=1&%61', known), '/x?a=1&%61', 'every key known: the URL as sent');
  for (const url of ['/x?&a=1', '/x?a=1&', '/x?a=1&&a=2']) t.equal(loggableUrl(url, known), url.replace(/(?<=\?)&|&$/, '').replace('&&', '&'), `empty pairs dropped: ${url}`);
  t.equal(loggableUrl('/x?', known), '/x?');
});
