/**
 * `agora-token-server inspect <token>`: the inspector of POST /v1/tokens/inspect
 * on the command line, with the credentials it is given (--certificate / --app-id,
 * else APP_CERTIFICATE / APP_ID from the environment or .env). The certificate is
 * only ever handed to the verifier: no output line holds it.
 */
import { loadCredentials } from '../config.js';
import { duration, inspectToken, type Expectation, type Inspection } from '../tokens/inspect.js';
import { HEX32_PATTERN, TokenInputError, checkChannelName, checkUserAccount, parseUid } from '../tokens/rules.js';
import { BIN, EXIT, UsageError, optionLines, parseCommandLine, visible, visibleJson } from './usage.js';

export const INSPECT_HELP = `Usage: ${BIN} inspect <token> [options]

Decodes a 006 or 007 token, verifies its signature and explains what would make
Agora reject it. Exit code 0: no problem found; 1: problems (or not a token); 2: usage.

Options:
${optionLines([
  ['--channel-name NAME', 'the channel the app joins with this token'],
  ['--uid N', 'the integer uid the app joins with (joinChannel)'],
  ['--user-account NAME', 'or the user account it joins with (joinChannelWithUserAccount; RTM/Chat: the user id)'],
  ['--certificate HEX', 'verify the signature with this App Certificate (default: APP_CERTIFICATE)'],
  ['--app-id HEX', 'the App ID the token should belong to (default: APP_ID)'],
  ['--json', 'print the inspection as JSON (the API response shape)'],
  ['-h, --help', 'this help'],
])}

APP_ID, APP_CERTIFICATE and APP_CERTIFICATE_FILE are read from the environment, then
from a .env file in the working directory. Prefer them to --certificate, which shell
history and process lists can show.`;

const HEX32 = new RegExp(HEX32_PATTERN);

export interface InspectOutcome {
  code: number;
  stdout: string;
}

export function runInspect(args: string[], env: Record<string, string | undefined>, now: number): InspectOutcome {
  const { values: o, positionals } = parseCommandLine(
    {
      args,
      allowPositionals: true,
      options: {
        'channel-name': { type: 'string' },
        uid: { type: 'string' },
        'user-account': { type: 'string' },
        certificate: { type: 'string' },
        'app-id': { type: 'string' },
        json: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
    },
    'inspect',
  );
  if (o.help) return { code: EXIT.ok, stdout: INSPECT_HELP };
  if (positionals.length !== 1) throw new UsageError(positionals.length === 0 ? 'give the token to inspect' : 'give exactly one token', 'inspect');
  if (o.uid !== undefined && o['user-account'] !== undefined) throw new UsageError('give --uid or --user-account, not both', 'inspect');
  let uid: number | undefined;
  try {
    // The API's rules, naming the options: canonical decimal uids only ("042" is no uid), Agora's character set.
    if (o.uid !== undefined) uid = parseUid(o.uid, '--uid');
    if (o['channel-name'] !== undefined) checkChannelName(o['channel-name'], '--channel-name');
    if (o['user-account'] !== undefined) checkUserAccount(o['user-account'], '--user-account');
  } catch (err) {
    const { field, message } = err as TokenInputError;
    throw new UsageError(field === '--uid' ? `${message}, in plain decimal (no leading zeros)` : message, 'inspect');
  }
  // Never echo these values: one of them may be a certificate.
  if (o.certificate !== undefined && !HEX32.test(o.certificate)) throw new UsageError('--certificate must be 32 hexadecimal characters', 'inspect');
  if (o['app-id'] !== undefined && !HEX32.test(o['app-id'])) throw new UsageError('--app-id must be 32 hexadecimal characters', 'inspect');

  const fromEnv = loadCredentials(env);
  const appCertificate = o.certificate ?? fromEnv.appCertificate?.reveal();
  const appId = o['app-id'] ?? fromEnv.appId;
  const expect: Expectation = {
    channelName: o['channel-name'],
    uid,
    userAccount: o['user-account'],
  };
  const result = inspectToken(positionals[0] as string, { now, appId, appCertificate, expect });
  if (!result.ok) {
    const stdout = o.json
      ? visibleJson({ error: result.error })
      : `Not an Agora token (${result.error.code}): ${result.error.message}.`;
    return { code: EXIT.problems, stdout };
  }
  const i = result.inspection;
  return { code: i.valid ? EXIT.ok : EXIT.problems, stdout: o.json ? visibleJson(i) : readable(i, appCertificate !== undefined) };
}

const left = (seconds: number) => (seconds > 0 ? `in ${duration(seconds)}` : `expired ${duration(seconds)} ago`);

function readable(i: Inspection, verified: boolean): string {
  const errors = i.problems.filter((p) => p.severity === 'error').length;
  const warnings = i.problems.length - errors;
  const count = (n: number, what: string) => `${n} ${what}${n === 1 ? '' : 's'}`;
  const lines = [
    i.valid ? 'Agora accepts this token, as far as the token shows' : 'Agora would reject this token',
    `(${count(errors, 'error')}, ${count(warnings, 'warning')})`,
    '',
    `  version     ${i.version}`,
    `  App ID      ${i.appId}${i.appIdMatches === undefined ? '' : i.appIdMatches ? ' (matches APP_ID)' : ' (NOT the App ID given)'}`,
  ];
  if (i.issuedAt) lines.push(`  issued      ${i.issuedAt} (unix ${i.issuedAtUnix})`);
  else lines.push('  issued      not recorded (a 006 token carries no issue time)');
  lines.push(`  expires     ${i.expiresAt} (unix ${i.expiresAtUnix}), ${left(i.expiresInSeconds)}`);
  if (i.messageExpiresAt) {
    lines.push(`  message ts  ${i.messageExpiresAt} (unix ${i.messageExpiresAtUnix}): the signature's own limit, not the privileges'`);
  }
  lines.push(
    `  salt        ${i.salt}`,
    `  signature   ${i.signature === 'unchecked' && !verified ? 'not checked (give --certificate or set APP_CERTIFICATE)' : i.signature}`,
    '',
    'Services',
  );
  for (const s of i.services) {
    const identity = [
      s.channelName !== undefined && `channel "${s.channelName}"`,
      s.uid !== undefined && `uid ${s.uid}${s.uid === 0 ? ' (wildcard)' : ''}`,
      s.userAccount !== undefined && `user account "${s.userAccount}"`,
      s.userId !== undefined && (s.userId === '' ? 'app-level' : `user id "${s.userId}"`),
      s.roomUuid !== undefined && `room "${s.roomUuid}"`,
      s.userUuid !== undefined && `user "${s.userUuid}"`,
      s.role !== undefined && `role ${s.role}`,
      s.channelCrc32 !== undefined && s.channelName === undefined && `channel CRC ${s.channelCrc32}`,
      s.uidCrc32 !== undefined && s.uid === undefined && s.userAccount === undefined && `uid CRC ${s.uidCrc32}`,
      ...(s.permissions ?? []).map((p) => `${p.permission} ${p.resource}: ${p.resources.join(', ')}`),
    ].filter(Boolean);
    lines.push(`  ${s.name} (${s.type})  ${identity.join(', ')}`);
    for (const p of s.privileges) lines.push(`    ${`${p.name} (${p.privilege})`.padEnd(26)}until ${p.expiresAt}, ${left(p.expiresInSeconds)}`);
  }
  lines.push('', 'Problems');
  if (i.problems.length === 0) lines.push('  none');
  for (const p of i.problems) lines.push(`  ${p.severity.padEnd(8)}${p.code}: ${p.message}`);
  // Names come from the token, i.e. from anyone: each line is printed with its control characters escaped.
  return lines.map(visible).join('\n');
}
