/**
 * The command line, built (dist/cli.js, what `npx agora-token-server` runs), as a
 * process: exit codes, output, credentials from the environment and .env, and
 * tokens checked by decoding them. It inherits this test's coverage settings, and
 * dist's source maps point the coverage at src/.
 */
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { mkdirSync } from 'node:fs';
import t from 'tap';
import { inWords } from '../../src/cli/mint.js';
import { decode006, decode007, verify006, verify007 } from '../../src/tokens/codec.js';
import { APP_CERTIFICATE, APP_ID, nowUnix, secrets } from '../helper.js';
import { ROOT } from '../tools.js';

const CLI = `${ROOT}dist/cli.js`;
const OTHER_CERT = '00000000000000000000000000000001';
secrets.add(OTHER_CERT);
const creds = { APP_ID, APP_CERTIFICATE };

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function run(args: string[], env: Record<string, string> = creds, cwd = dir, bin = [process.execPath, CLI]): Promise<Run> {
  // Only PATH and what the coverage collection reads: no credential leaks in from this process.
  const inherited = Object.fromEntries(Object.entries(process.env).filter(([k]) => k === 'PATH' || k.startsWith('NODE_V8_COVERAGE') || k.startsWith('_TAPJS_')));
  return new Promise((resolve, reject) => {
    const [cmd, ...pre] = bin as [string, ...string[]];
    const child = spawn(cmd, [...pre, ...args], { cwd, env: { ...inherited, ...env } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      // Every run, in whichever test and alone or not: no output may hold a certificate. The
      // failure quotes nothing of the run (the failing test says which it was).
      if ([stdout, stderr].some((text) => text.includes(APP_CERTIFICATE) || text.includes(OTHER_CERT))) {
        reject(new Error('a run printed an App Certificate'));
      } else resolve({ code, stdout, stderr });
    });
  });
}

// Each mint builds the app in a fresh process (about a second of start-up each on a busy machine).
t.setTimeout(300_000);

const dir = t.testdir({ plain: {}, withEnv: { '.env': `APP_ID=${APP_ID}\nAPP_CERTIFICATE=${APP_CERTIFICATE}\nTOKEN_TTL_DEFAULT=1200\n` }, dirEnv: {}, cert: { 'cert.txt': `${APP_CERTIFICATE}\n` } });
mkdirSync(`${dir}/dirEnv/.env`);
const plain = `${dir}/plain`;
const json = (r: Run) => JSON.parse(r.stdout) as Record<string, unknown> & { token: string };

t.test('help on each command; no command is a usage error', async (t) => {
  const [top, none, mint, mintRtc, inspect, unknown] = await Promise.all([
    run(['--help'], {}, plain),
    run([], {}, plain),
    run(['mint', '--help'], {}, plain),
    run(['mint', 'rtc', '--help'], {}, plain),
    run(['inspect', '-h'], {}, plain),
    run(['frobnicate'], {}, plain),
  ]);
  t.match(top, { code: 0, stdout: /^Usage: agora-token-server <command>[\s\S]*mint <type>[\s\S]*inspect <token>/ });
  t.match(none, { code: 2, stdout: /^Usage: agora-token-server/ });
  t.match(mint, { code: 0, stdout: /Types: rtc, rtm, rtc-rtm, chat, apaas, convoai, stt, fpa\n/ });
  t.match(mintRtc, { code: 0, stdout: /--channel-name TEXT +Channel name.*\(required\)[\s\S]*--uid N[\s\S]*--role TEXT .*\(one of publisher, subscriber; default subscriber\)[\s\S]*--expire-seconds N .*at most 86400.*default 3600/ });
  t.match(inspect, { code: 0, stdout: /Usage: agora-token-server inspect <token>[\s\S]*Exit code 0[\s\S]*--certificate HEX/ });
  t.match(unknown, { code: 2, stderr: /^agora-token-server: unknown command "frobnicate"\nRun `agora-token-server --help` for usage.\n$/ });
});

t.test('mint: every type, as the API mints it, decoded field by field', async (t) => {
  const before = nowUnix();
  const [rtc, rtc006, rtm, pair, combined, chatApp, chatUser] = await Promise.all([
    run(['mint', 'rtc', '--channel-name', 'demo-room', '--uid', '1234', '--role', 'publisher', '--expire-seconds', '600']),
    run(['mint', 'rtc', '--channel-name', 'demo-room', '--user-account', 'alice', '--version', '006', '--json']),
    run(['mint', 'rtm', '--user-id', 'alice', '--json']),
    run(['mint', 'rtc-rtm', '--channel-name', 'demo-room', '--uid', '7', '--rtm-user-id', 'bob', '--json']),
    run(['mint', 'rtc-rtm', '--channel-name', 'demo-room', '--uid', '7', '--combined', '--json']),
    run(['mint', 'chat', '--json']),
    run(['mint', 'chat', '--user-id', 'carol', '--expire-seconds', '60', '--json']),
  ]);

  t.equal(rtc.code, 0, rtc.stderr);
  const lines = Object.fromEntries(rtc.stdout.trim().split('\n').map((l) => l.split(/:\s+/, 2) as [string, string]));
  t.match(lines, { version: '007', channelName: 'demo-room', uid: '1234', role: 'publisher' }, 'readable: one "field: value" line each');
  t.ok(rtc.stdout.startsWith('token: '), 'the token comes first');
  const d = decode007(lines.token as string);
  t.ok(verify007(d, APP_CERTIFICATE));
  t.match(d, { appId: APP_ID, expire: 600, services: [{ name: 'rtc', channelName: 'demo-room', uid: '1234', privileges: { 1: 600, 2: 600, 3: 600, 4: 600 } }] });
  t.ok(d.issueTs >= before && d.issueTs <= nowUnix());

  const d6 = decode006(json(rtc006).token);
  t.ok(verify006(d6, APP_CERTIFICATE, 'demo-room', 'alice'), '006 for the account');
  t.equal(d6.privileges[1], json(rtc006).expiresAtUnix, 'subscriber, the default role: join only, for the default 3600 s');
  t.same(Object.keys(d6.privileges), ['1']);

  t.match(decode007(json(rtm).token), { expire: 3600, services: [{ name: 'rtm', userId: 'alice' }] });
  const p = json(pair);
  t.match(decode007(String(p.rtcToken)), { services: [{ name: 'rtc', uid: '7' }] });
  t.match(decode007(String(p.rtmToken)), { services: [{ name: 'rtm', userId: 'bob' }] });
  t.match(decode007(String(json(combined).rtcToken)), { services: [{ name: 'rtc', uid: '7' }, { name: 'rtm', userId: '7' }] });
  t.match(json(chatApp), { kind: 'app' });
  t.match(decode007(json(chatApp).token), { services: [{ name: 'chat', userId: '', privileges: { 2: 3600 } }] });
  t.match(decode007(json(chatUser).token), { expire: 60, services: [{ name: 'chat', userId: 'carol', privileges: { 1: 60 } }] });
});

t.test('mint: the token family — every token the API mints — decoded and verified', async (t) => {
  const [privileged, rtm2, rtcRtm2, roomUser, user, app, convoai, stt, fpa, help] = await Promise.all([
    run(['mint', 'rtc', '--channel-name', 'stage', '--uid', '42', '--expire-seconds', '900', '--privileges', '{"joinChannel":900,"publishAudio":300}', '--json']),
    run(['mint', 'rtm', '--user-id', 'alice', '--permissions', '{"messageChannels":{"read":["lobby"],"write":["lobby"]},"users":{"write":["bob"]}}', '--json']),
    run(['mint', 'rtc-rtm', '--channel-name', 'stage', '--user-account', 'carol', '--rtm-user-id', 'carol-rtm', '--rtm-expire-seconds', '300', '--expire-seconds', '600', '--json']),
    run(['mint', 'apaas', '--room-uuid', 'class-101', '--user-uuid', 'alice', '--role', 'student', '--json']),
    run(['mint', 'apaas', '--user-uuid', 'alice', '--json']),
    run(['mint', 'apaas', '--expire-seconds', '60', '--json']),
    run(['mint', 'convoai', '--channel-name', 'demo-room', '--uid', '1001', '--rtm-user-id', 'agent-1001', '--json']),
    run(['mint', 'stt', '--channel-name', 'demo-room', '--user-account', 'bot', '--role', 'subscriber', '--json']),
    run(['mint', 'fpa', '--expire-seconds', '120']),
    run(['mint', 'apaas', '--help']),
  ]);
  const verified = (r: Run, token = json(r).token) => {
    t.equal(r.code, 0, r.stderr);
    const d = decode007(token);
    t.ok(verify007(d, APP_CERTIFICATE), 'signed with the certificate');
    t.equal(d.appId, APP_ID);
    return d;
  };
  t.same(verified(privileged).services, [{ type: 1, name: 'rtc', channelName: 'stage', uid: '42', privileges: { 1: 900, 2: 300 } }], 'RTC with per-privilege lifetimes');
  t.match(verified(rtm2).services, [
    {
      name: 'rtm2',
      userId: 'alice',
      permissions: [
        { resource: 'messageChannels', permission: 'read', resources: ['lobby'] },
        { resource: 'messageChannels', permission: 'write', resources: ['lobby'] },
        { resource: 'users', permission: 'write', resources: ['bob'] },
      ],
    },
  ], 'RTM 2 with permissions');
  const pair = json(rtcRtm2);
  t.match(verified(rtcRtm2, String(pair.rtcToken)).services, [{ name: 'rtc', channelName: 'stage', uid: 'carol' }]);
  t.match(verified(rtcRtm2, String(pair.rtmToken)), { expire: 300, services: [{ name: 'rtm', userId: 'carol-rtm', privileges: { 1: 300 } }] }, 'RTM login for its own id and lifetime');
  t.match(verified(roomUser).services, [{ name: 'rtm', userId: 'alice' }, { name: 'chat', userId: json(roomUser).chatUserId }, { name: 'apaas', roomUuid: 'class-101', userUuid: 'alice', role: 2 }]);
  t.match(json(user), { kind: 'user' });
  t.match(verified(user).services, [{ name: 'apaas', userUuid: 'alice' }]);
  t.match(json(app), { kind: 'app' });
  t.match(verified(app), { expire: 60, services: [{ name: 'apaas', roomUuid: '', userUuid: '' }] }, 'the command line holds the certificate: app-level tokens too');
  t.match(verified(convoai).services, [{ name: 'rtc', channelName: 'demo-room', uid: '1001', privileges: { 1: 3600, 2: 3600, 3: 3600, 4: 3600 } }, { name: 'rtm', userId: 'agent-1001' }, { type: 9, name: 'convoai' }]);
  t.match(verified(stt).services, [{ name: 'rtc', uid: 'bot', privileges: { 1: 3600 } }, { name: 'rtm', userId: 'bot' }, { type: 10, name: 'stt' }]);
  t.equal(Object.keys(verified(stt).services[0]!.privileges).length, 1, 'a subscriber agent: join only');
  t.equal(fpa.code, 0, fpa.stderr);
  const fpaToken = /^token: +(\S+)$/m.exec(fpa.stdout)?.[1] as string;
  t.same(verified(fpa, fpaToken), { ...decode007(fpaToken), expire: 120, services: [{ type: 4, name: 'fpa', privileges: { 1: 0 } }] });
  t.match(help, { code: 0, stdout: /As POST \/v1\/tokens\/apaas\.[\s\S]*--room-uuid TEXT[\s\S]*--role TEXT[\s\S]*one of invisible, teacher, student, assistant, observer/ });
});

t.test('mint: the API rules, with option names, exit 2', async (t) => {
  const cases: [string[], RegExp][] = [
    [['--channel-name', 'a/b', '--uid', '1'], /^agora-token-server mint rtc: --channel-name may hold only letters, digits, spaces and ! # \$/],
    [['--channel-name', 'a', '--uid', '1', '--user-account', 'b'], /--uid or --user-account: give exactly one of the two/],
    [['--channel-name', 'a', '--uid', '0x10'], /--uid must be a whole number/],
    [['--channel-name', 'a', '--uid', '4294967296'], /--uid must be <= 4294967295/],
    [['--channel-name', 'a', '--uid', '1', '--expire-seconds', '1795863600'], /--expire-seconds looks like an absolute unix timestamp/],
    [['--channel-name', 'a', '--uid', '1', '--expire-seconds', '7200'], /--expire-seconds must be <= 3600/],
    [['--channel-name', 'a', '--uid', '1', '--role', 'host'], /--role must be equal to one of the allowed values/],
    [['--channel-name', 'a', '--bogus'], /Unknown option '--bogus'/],
    [['--channel-name'], /option '--channel-name <value>' needs a value/],
    [['stray'], /Unexpected argument 'stray'/],
  ];
  const runs = await Promise.all(cases.map(([args]) => run(['mint', 'rtc', ...args], { ...creds, TOKEN_TTL_MAX: '3600' })));
  runs.forEach((r, n) => {
    const [args, message] = cases[n]!;
    t.equal(r.code, 2, args.join(' '));
    t.match(r.stderr, message, args.join(' '));
    t.match(r.stderr, /Run `agora-token-server mint rtc --help` for usage.\n$/);
    t.equal(r.stdout, '', 'no token');
  });
  const unknownType = await run(['mint', 'rtx']);
  t.match(unknownType, { code: 2, stderr: /unknown token type "rtx"; one of: rtc, rtm, rtc-rtm, chat, apaas, convoai, stt, fpa\n/ });
});

t.test('credentials: the environment, else .env; a bad configuration is exit 1, naming the variable', async (t) => {
  const [fromDotEnv, envWins, missing, badCert, dirEnv] = await Promise.all([
    run(['mint', 'rtm', '--user-id', 'alice', '--json'], {}, `${dir}/withEnv`),
    run(['mint', 'rtm', '--user-id', 'alice', '--json'], { TOKEN_TTL_DEFAULT: '90' }, `${dir}/withEnv`),
    run(['mint', 'rtm', '--user-id', 'alice'], {}, plain),
    run(['mint', 'rtm', '--user-id', 'alice'], { APP_ID, APP_CERTIFICATE: 'not-a-certificate' }, plain),
    run(['mint', 'rtm', '--user-id', 'alice'], creds, `${dir}/dirEnv`),
  ]);
  const d = decode007(json(fromDotEnv).token);
  t.ok(verify007(d, APP_CERTIFICATE), '.env credentials');
  t.equal(d.expire, 1200, "and .env's TOKEN_TTL_DEFAULT");
  t.equal(decode007(json(envWins).token).expire, 90, 'the real environment wins over .env');
  t.match(missing, { code: 1, stdout: '', stderr: /^agora-token-server: APP_ID is missing: expected your Agora App ID/ });
  t.match(badCert, { code: 1, stderr: /^agora-token-server: APP_CERTIFICATE is invalid/ });
  t.notMatch(badCert.stderr, /not-a-certificate/, 'the value is never echoed');
  t.match(dirEnv, { code: 1, stderr: /^agora-token-server: .env is invalid: it is not a file/ });
});

t.test('inspect: readable and JSON, exit 0 valid / 1 problems / 2 usage', async (t) => {
  const minted = json(await run(['mint', 'rtc', '--channel-name', 'demo-room', '--user-account', '01234', '--privilege-expire-seconds', '60', '--json']));
  const token = minted.token;
  const [valid, trap, asJson, noCreds, wrongCert, fromFile, otherApp, notToken, jsonNotToken] = await Promise.all([
    run(['inspect', token, '--channel-name', 'demo-room', '--user-account', '01234']),
    run(['inspect', token, '--channel-name', 'demo-room', '--uid', '1234']),
    run(['inspect', '--json', token, '--channel-name', 'hall']),
    run(['inspect', token], {}, plain),
    run(['inspect', token, '--certificate', OTHER_CERT]),
    run(['inspect', token], { APP_CERTIFICATE_FILE: `${dir}/cert/cert.txt` }, plain),
    run(['inspect', token, '--app-id', 'abcdefabcdefabcdefabcdefabcdef12']),
    run(['inspect', 'hello']),
    run(['inspect', 'hello', '--json']),
  ]);
  t.match(valid, { code: 0, stderr: '' });
  t.match(valid.stdout, /^Agora accepts this token, as far as the token shows\n\(0 errors, 0 warnings\)/);
  t.match(valid.stdout, new RegExp(`App ID +${APP_ID} \\(matches APP_ID\\)`));
  t.match(valid.stdout, /signature +valid\n/);
  t.match(valid.stdout, /rtc \(1\) +channel "demo-room", user account "01234"\n +joinChannel \(1\) +until \S+Z, in \d+ s\n/);
  t.match(valid.stdout, /Problems\n {2}none$/m);

  t.match(trap, { code: 1, stdout: /^Agora would reject this token\n\(1 error, 0 warnings\)[\s\S]*error +ACCOUNT_TOKEN_USED_WITH_UID: The token was minted for the user account "01234", but the app joins with the integer uid 1234/ });
  t.equal(asJson.code, 1);
  t.match(JSON.parse(asJson.stdout), { valid: false, version: '007', appIdMatches: true, signature: 'valid', problems: [{ code: 'CHANNEL_MISMATCH' }] }, '--json: the API response shape');
  t.match(noCreds, { code: 0, stdout: /signature +not checked \(give --certificate or set APP_CERTIFICATE\)[\s\S]*warning SIGNATURE_UNCHECKED/ });
  t.notMatch(noCreds.stdout, /matches APP_ID/, 'no App ID given: no verdict on it');
  t.match(wrongCert, { code: 1, stdout: /signature +invalid[\s\S]*SIGNATURE_INVALID/ });
  t.match(fromFile, { code: 0, stdout: /signature +valid/ }, 'APP_CERTIFICATE_FILE is read like the server reads it');
  t.match(otherApp, { code: 1, stdout: /\(NOT the App ID given\)[\s\S]*APP_ID_MISMATCH/ });
  t.match(notToken, { code: 1, stdout: /^Not an Agora token \(UNKNOWN_VERSION\): an Agora token starts with 006 or 007/ });
  t.match(JSON.parse(jsonNotToken.stdout), { error: { code: 'UNKNOWN_VERSION' } });
  t.equal(jsonNotToken.code, 1);

  const usage: [string[], RegExp][] = [
    [[], /give the token to inspect/],
    [[token, token], /give exactly one token/],
    [[token, '--uid', '1', '--user-account', 'a'], /give --uid or --user-account, not both/],
    [[token, '--uid=-1'], /--uid must be an integer from 0 to 4294967295, in plain decimal/],
    [[token, '--certificate', 'secret-but-malformed'], /--certificate must be 32 hexadecimal characters/],
    [[token, '--app-id', 'nope'], /--app-id must be 32 hexadecimal characters/],
    [[token, '--verbose'], /Unknown option '--verbose'/],
  ];
  const runs = await Promise.all(usage.map(([args]) => run(['inspect', ...args])));
  runs.forEach((r, n) => {
    t.equal(r.code, 2, usage[n]![0].join(' '));
    t.match(r.stderr, usage[n]![1]);
    t.match(r.stderr, /Run `agora-token-server inspect --help` for usage.\n$/);
  });
  t.notMatch(runs[4]?.stderr, /secret-but-malformed/, 'a malformed certificate is not echoed either');
  const badEnvCert = await run(['inspect', token], { APP_CERTIFICATE: 'xyz' }, plain);
  t.match(badEnvCert, { code: 1, stderr: /^agora-token-server: APP_CERTIFICATE is invalid/ });
});

t.test('inspect: every kind of identity, and an expired token', async (t) => {
  const lib = createRequire(import.meta.url)('agora-token/src/AccessToken2.js');
  const issued = nowUnix() - 7200;
  const token = new lib.AccessToken2(APP_ID, APP_CERTIFICATE, issued, 3600);
  const perms = new lib.Rtm2Permissions();
  perms.add(0, 0, ['lobby', 'news']);
  const services = [new lib.ServiceRtc('room', 0), new lib.ServiceChat(''), new lib.ServiceApaas('class-101', 'alice', 2), new lib.ServiceRtm2('bob', perms)];
  for (const s of services) {
    s.add_privilege(1, 0);
    token.add_service(s);
  }
  const old = token.build() as string;
  const legacy = createRequire(import.meta.url)('agora-access-token/src/AccessToken.js');
  const key = new legacy.AccessToken(APP_ID, APP_CERTIFICATE, 'room', 42);
  key.addPriviledge(1, nowUnix() + 600);
  const uid = json(await run(['mint', 'rtc', '--channel-name', 'room', '--uid', '42', '--json'])).token;
  const [expired, v006, withUid] = await Promise.all([run(['inspect', old]), run(['inspect', key.build() as string]), run(['inspect', uid])]);
  t.match(withUid, { code: 0, stdout: /rtc \(1\) +channel "room", uid 42\n/ });
  t.equal(expired.code, 1);
  t.match(expired.stdout, /expires +\S+Z \(unix \d+\), expired 60 min ago/);
  t.match(expired.stdout, /rtc \(1\) +channel "room", uid 0 \(wildcard\)/);
  t.match(expired.stdout, /chat \(5\) +app-level/);
  t.match(expired.stdout, /apaas \(7\) +room "class-101", user "alice", role 2/);
  t.match(expired.stdout, /rtm2 \(8\) +user id "bob", read messageChannels: lobby, news/);
  t.match(expired.stdout, /error +TOKEN_EXPIRED/);
  t.match(v006, { code: 0, stdout: /version +006[\s\S]*rtc \(1\) +channel CRC \d+, uid CRC \d+/ });
  t.match(v006.stdout, /issued +not recorded/, '006 carries no issue time: said so');
});

t.test('names from a token cannot drive the terminal: control, bidi and format characters are escaped', async (t) => {
  const lib = createRequire(import.meta.url)('agora-token/src/AccessToken2.js');
  const evil = 'evil\x1b[2J\x1b]0;PWNED\x07\u202e\u2028\u{e0041}x\r\nsignature   valid FAKE';
  const token = new lib.AccessToken2(APP_ID, APP_CERTIFICATE, nowUnix(), 600);
  const rtc = new lib.ServiceRtc(evil, 42);
  rtc.add_privilege(1, 600);
  token.add_service(rtc);
  const text = token.build() as string;
  const [readable, asJson] = await Promise.all([run(['inspect', text, '--channel-name', 'room']), run(['inspect', text, '--json'])]);
  t.equal(readable.code, 1, 'a name Agora refuses: problems');
  // eslint-disable-next-line no-control-regex -- the assertion is that these control characters are absent
  t.notMatch(readable.stdout, /[\x00-\x09\x0b-\x1f\x7f\u202e\u2028]/, 'no control, bidi or separator character is printed raw');
  t.notMatch(readable.stdout, /^\s*signature +valid FAKE/m, 'no forged line');
  t.match(readable.stdout, 'channel "evil\\x1b[2J\\x1b]0;PWNED\\x07\\u202e\\u2028\\u{e0041}x\\r\\nsignature   valid FAKE"', 'the name is shown, escaped');
  t.match(readable.stdout, /error +NAME_NOT_ALLOWED: The rtc service's channel name "evil\\u001b\[2J/);
  t.notMatch(asJson.stdout, /[\u202e\u2028\u{e0041}]/u, 'JSON: bidi, separators and tag characters escaped too');
  t.equal(JSON.parse(asJson.stdout).services[0].channelName, evil, 'and still the same JSON');
  const unknown = await run(['mint', 'rt\x1b[2Jc']);
  t.match(unknown.stderr, /unknown token type "rt\\x1b\[2Jc"/, 'usage errors escape what was typed');
});

t.test('mint reads only credentials and lifetimes; options are strict and errors said in words', async (t) => {
  const serverOnly = { ...creds, PORT: 'abc', CORS_ORIGINS: 'bad', JWT_SECRET: 'x', AUTH_MODE: 'apiKey' };
  const [minted, lowMax, none] = await Promise.all([
    run(['mint', 'rtc', '--channel-name', 'room', '--uid', '1', '--json'], serverOnly),
    run(['mint', 'rtc', '--channel-name', 'room', '--uid', '1'], { ...creds, TOKEN_TTL_MAX: '60' }),
    run(['mint']),
  ]);
  t.equal(minted.code, 0, `server-only settings do not stop mint: ${minted.stderr}`);
  t.ok(verify007(decode007(json(minted).token), APP_CERTIFICATE));
  t.match(lowMax, { code: 1, stderr: /TOKEN_TTL_DEFAULT is invalid: its default, 3600 seconds, is above TOKEN_TTL_MAX \(60\)/ });
  t.match(none, { code: 2, stdout: '', stderr: /^Usage: agora-token-server mint <type>/ }, 'mint with no type: usage, on stderr');

  const cases: [string[], RegExp][] = [
    [['mint', 'rtc', '--channel-name', 'room', '--uid', '01'], /mint rtc: --uid must be a whole number in plain decimal \(no leading zeros\)/],
    [['mint', 'rtc', '--channel-name', 'room', '--uid', '4', '--uid', '5'], /option '--uid' is given more than once/],
    [['mint', 'rtc', '--channel-name', 'room', '--uid', '-1'], /option '--uid' needs a value, and the argument after it starts with '-'.*--uid=VALUE/],
    [['mint', 'rtc', '--channel-name', '--uid', '1'], /option '--channel-name' needs a value/],
    [['mint', 'rtc', '--channel-name', 'room', '--uid', '1', '--privileges', '{"__proto__":{"joinChannel":60}}'], /--privileges must not contain the key "__proto__"/],
    [['mint', 'rtm', '--user-id', 'bob', '--permissions', '{"messageChannels":{"read":["a","a"]}}'], /--permissions.messageChannels.read must not list the same value twice \(items 0 and 1 are the same\)/],
    [['mint', 'rtm', '--user-id', ' bob'], /--user-id may hold only .* and must not start with a space/],
    [['mint', 'chat', '--user-id', 'bob@x'], /--user-id may hold only letters, digits, _, - and \. \(an Agora Chat user id\)/],
    [['mint', 'rtm', '--user-id', 'bob', '--permissions', '{"messageChannels":{"read":null,"constructor":[]}}'], /--permissions must not contain the key "constructor"/],
    [['inspect', 'x', '--uid', '042'], /inspect: --uid must be an integer from 0 to 4294967295, in plain decimal/],
    [['inspect', 'x', '--uid', '4', '--uid', '5'], /option '--uid' is given more than once/],
    [['inspect', 'x', '--user-account', 'é'], /--user-account contains characters Agora does not allow in a user account/],
    [['inspect', 'x', '--channel-name', 'a/b'], /--channel-name contains characters Agora does not allow in a channel name/],
  ];
  const runs = await Promise.all(cases.map(([args]) => run(args)));
  runs.forEach((r, n) => {
    t.equal(r.code, 2, cases[n]![0].join(' '));
    t.match(r.stderr, cases[n]![1]);
    t.notMatch(r.stderr, /must match pattern|##|Body is not valid JSON|ambiguous/, 'no regex, Ajv or HTTP wording');
  });
});

t.test('a pattern the CLI has no words for is still said without its regex', async (t) => {
  t.equal(inWords('body/x must match pattern "^q$"'), 'body/x contains characters that are not allowed');
});

t.test('inspect 006: the expiry is the privileges\', with the message ts shown apart', async (t) => {
  const minted = json(await run(['mint', 'rtc', '--channel-name', 'room', '--uid', '42', '--version', '006', '--expire-seconds', '600', '--json']));
  const r = await run(['inspect', minted.token, '--channel-name', 'room', '--uid', '42']);
  t.equal(r.code, 0);
  t.match(r.stdout, /issued +not recorded \(a 006 token carries no issue time\)/);
  t.match(r.stdout, /expires +\S+ \(unix (\d+)\), in (9|10) min/);
  t.match(r.stdout, /message ts +\S+ \(unix \d+\): the signature's own limit/);
  const shown = Number(/expires +\S+ \(unix (\d+)\)/.exec(r.stdout)?.[1]);
  t.equal(shown, minted.expiresAtUnix, 'the expiry the mint response gave');
});

t.test('npx agora-token-server runs the built CLI from a clone', async (t) => {
  const r = await run(['agora-token-server', 'inspect', '--help'], {}, ROOT, ['npx', '--no-install']);
  t.match(r, { code: 0, stdout: /^Usage: agora-token-server inspect <token>/ });
});

t.test('a run whose output holds a certificate fails the test that ran it', async (t) => {
  // The check in run() itself, seen to bite: `echo` prints what it is given.
  await t.rejects(run([APP_CERTIFICATE], creds, dir, ['echo']), /printed an App Certificate/);
  t.match(await run(['certificate-free'], creds, dir, ['echo']), { code: 0, stdout: 'certificate-free\n' });
});
