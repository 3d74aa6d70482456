/**
 * `agora-token-server mint <type>`: mints through the very routes the API serves.
 * The command builds the app (never listening) and injects POST /v1/tokens/<type>,
 * so a token from the command line gets the API's schemas, Agora's input rules,
 * defaults, caps and error messages, with no second copy of any of them.
 *
 * One table entry per token type: its options are derived from the route's
 * request schema (names in kebab-case, types from the schema, help from its
 * descriptions), so a new type is one line here.
 */
import type { TObject, TSchema } from '@sinclair/typebox';
import { buildApp } from '../app.js';
import type { Config } from '../config.js';
import { buildTokenSchemas, type TokenSchemas } from '../schemas/tokens.js';
import {
  AGORA_TTL_CAP,
  CHANNEL_NAME_PATTERN,
  CHAT_USER_ID_PATTERN,
  RTM_USER_ID_PATTERN,
} from '../tokens/rules.js';
import { BIN, EXIT, UsageError, kebab, optionLines, parseCommandLine, visible, visibleJson } from './usage.js';

interface MintCommand {
  /** The command-line name, also the route: POST /v1/tokens/<type>. */
  type: string;
  request: (s: TokenSchemas) => TObject;
}

export const MINT_COMMANDS: MintCommand[] = [
  { type: 'rtc', request: (s) => s.RtcTokenRequestSchema },
  { type: 'rtm', request: (s) => s.RtmTokenRequestSchema },
  { type: 'rtc-rtm', request: (s) => s.RtcRtmTokenRequestSchema },
  { type: 'chat', request: (s) => s.ChatTokenRequestSchema },
  { type: 'apaas', request: (s) => s.ApaasTokenRequestSchema },
  { type: 'convoai', request: (s) => s.AgentTokenRequestSchema },
  { type: 'stt', request: (s) => s.AgentTokenRequestSchema },
  { type: 'fpa', request: (s) => s.FpaTokenRequestSchema },
];

type Kind = 'integer' | 'boolean' | 'string' | 'json';

function kindOf(schema: TSchema): Kind {
  if (schema.type === 'integer' || schema.type === 'number') return 'integer';
  if (schema.type === 'boolean') return 'boolean';
  if (schema.type === 'string') return 'string';
  // Objects, arrays, unions: given as JSON text.
  return 'json';
}

export function fieldsOf(request: TObject) {
  return Object.entries(request.properties).map(([field, schema]) => ({ field, option: kebab(field), kind: kindOf(schema), schema }));
}

export const MINT_HELP = `Usage: ${BIN} mint <type> [options]

Mints a token with APP_ID and APP_CERTIFICATE (APP_CERTIFICATE_FILE) from the
environment or a .env file, with the same rules, defaults and limits as the API
(TOKEN_TTL_MAX, TOKEN_TTL_DEFAULT). Prints the token and what it was minted for.

Types: ${MINT_COMMANDS.map((c) => c.type).join(', ')}
Run \`${BIN} mint <type> --help\` for the options of each.`;

function typeHelp(command: MintCommand, schemas: TokenSchemas): string {
  const request = command.request(schemas);
  // Every v1 request schema and field is described (test/openapi/spec.test.ts insists).
  const options: [string, string][] = fieldsOf(request).map(({ field, option, kind, schema }) => {
    const value = { integer: ' N', boolean: '', string: ' TEXT', json: ' JSON' }[kind];
    const extra = [
      schema.enum && `one of ${(schema.enum as string[]).join(', ')}`,
      schema.default !== undefined && `default ${String(schema.default)}`,
      request.required?.includes(field) && 'required',
    ].filter(Boolean);
    return [`--${option}${value}`, `${schema.description as string}${extra.length ? ` (${extra.join('; ')})` : ''}`];
  });
  options.push(['--json', 'print the API response as JSON'], ['-h, --help', 'this help']);
  return `Usage: ${BIN} mint ${command.type} [options]

${request.description as string} As POST /v1/tokens/${command.type}.

Options:
${optionLines(options)}`;
}

export interface MintOutcome {
  code: number;
  stdout: string;
  stderr?: string;
}

/**
 * `config` is loaded only when the command is sure to mint (help and usage errors
 * need no credentials).
 */
export async function runMint(args: string[], loadConfig: () => Config): Promise<MintOutcome> {
  const [type, ...rest] = args;
  // Like the bare command: no type is a usage error, with the help on stderr.
  if (type === undefined) return { code: EXIT.usage, stdout: '', stderr: MINT_HELP };
  if (type === '-h' || type === '--help') return { code: EXIT.ok, stdout: MINT_HELP };
  const command = MINT_COMMANDS.find((c) => c.type === type);
  if (!command) throw new UsageError(`unknown token type "${type}"; one of: ${MINT_COMMANDS.map((c) => c.type).join(', ')}`, 'mint');
  const usage = (message: string) => new UsageError(message, `mint ${type}`);

  // The schemas' limits only shape parsing and help here: the app built below enforces the configured ones.
  const helpSchemas = buildTokenSchemas({ ttlDefault: 3600, ttlMax: AGORA_TTL_CAP });
  const fields = fieldsOf(command.request(helpSchemas));
  const parsed = parseCommandLine(
    {
      args: rest,
      allowPositionals: false,
      options: {
        ...Object.fromEntries(fields.map((f) => [f.option, { type: f.kind === 'boolean' ? ('boolean' as const) : ('string' as const) }])),
        json: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
    },
    `mint ${type}`,
  );
  const values = parsed.values as Record<string, string | boolean | undefined>;
  if (values.help) {
    return { code: EXIT.ok, stdout: typeHelp(command, buildTokenSchemas(limitsOr(loadConfig))) };
  }

  const body = bodyOf(fields, values, usage);

  const config = loadConfig();
  // The command-line user holds the certificate: no credentials, no shared rate limit, no log lines.
  const app = await buildApp({
    ...config,
    logLevel: 'silent',
    auth: { methods: [], apiKeys: [] },
    rateLimit: { max: config.rateLimit.max, windowMs: config.rateLimit.windowMs, failMode: config.rateLimit.failMode },
  });
  try {
    const res = await app.inject({ method: 'POST', url: `/v1/tokens/${type}`, payload: body });
    const answer = res.json<Record<string, unknown>>();
    if (res.statusCode !== 200) {
      throw usage(asOptions(inWords(String(answer.message)), fields.map((f) => f.field)));
    }
    return { code: EXIT.ok, stdout: values.json ? visibleJson(answer) : readable(answer) };
  } finally {
    await app.close();
  }
}

/**
 * The request body from the options, typed as the API wants it: the JSON body is
 * never coerced, so numbers are parsed here, strictly, and structured fields
 * (objects, lists) are given as JSON.
 */
export function bodyOf(
  fields: ReturnType<typeof fieldsOf>,
  values: Record<string, string | boolean | undefined>,
  usage: (message: string) => Error,
): Record<string, unknown> {
  const body: Record<string, unknown> = {};
  for (const { field, option, kind } of fields) {
    const v = values[option];
    if (v === undefined) continue;
    if (kind === 'integer') {
      // Canonical decimal only: "01" or "+1" would otherwise become 1 without a word (the API's uid rule, for every number).
      if (!/^(0|-?[1-9][0-9]*)$/.test(v as string)) throw usage(`--${option} must be a whole number in plain decimal (no leading zeros)`);
      body[field] = Number(v);
    } else if (kind === 'json') {
      try {
        body[field] = JSON.parse(v as string);
      } catch {
        throw usage(`--${option} must be JSON`);
      }
      // The API refuses these keys as prototype poisoning, with a message about HTTP bodies: say it for the option.
      const key = forbiddenKey(body[field]);
      if (key) throw usage(`--${option} must not contain the key "${key}" (refused as a prototype-poisoning attempt)`);
    } else {
      body[field] = v;
    }
  }
  return body;
}

/** A `__proto__` or `constructor` key anywhere in parsed JSON: the API's JSON parser refuses both. */
function forbiddenKey(value: unknown): string | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  for (const [key, inner] of Object.entries(value)) {
    if (key === '__proto__' || key === 'constructor') return key;
    const found = forbiddenKey(inner);
    if (found) return found;
  }
  return undefined;
}

/** The schemas' patterns, as the rules say them in words. */
const PATTERN_WORDS: Record<string, string> = {
  [CHANNEL_NAME_PATTERN]: 'may hold only letters, digits, spaces and ! # $ % & ( ) + - : ; < = . > ? @ [ ] ^ _ { } | ~ , (Agora\'s character set)',
  [RTM_USER_ID_PATTERN]: 'may hold only letters, digits, spaces and ! # $ % & ( ) + - : ; < = . > ? @ [ ] ^ _ { } | ~ , and must not start with a space (Agora\'s character set)',
  [CHAT_USER_ID_PATTERN]: 'may hold only letters, digits, _, - and . (an Agora Chat user id)',
};

/** Ajv's wording (raw regexes, "items ## 1 and 0 are identical") in words, for people at a terminal. */
export function inWords(message: string): string {
  return message
    .replace(/must match pattern "(.*)"$/, (all, pattern: string) => PATTERN_WORDS[pattern] ?? 'contains characters that are not allowed')
    .replace(/must NOT have duplicate items \(items ## (\d+) and (\d+) are identical\)/, 'must not list the same value twice (items $2 and $1 are the same)');
}

/** The API's message with its field names (body/channelName, userAccount) as this command's options. */
export function asOptions(message: string, fields: string[]): string {
  let out = message.replace(/\bbody\//g, '');
  for (const field of fields) out = out.replace(new RegExp(`(?<![\\w-])${field}\\b`, 'g'), `--${kebab(field)}`);
  return out;
}

function limitsOr(loadConfig: () => Config) {
  try {
    const c = loadConfig();
    return { ttlDefault: c.tokenTtlDefault, ttlMax: c.tokenTtlMax };
  } catch {
    return { ttlDefault: 3600, ttlMax: AGORA_TTL_CAP };
  }
}

/** Tokens first, each on its own line, then the rest of the answer. */
function readable(answer: Record<string, unknown>): string {
  const entries = Object.entries(answer);
  const tokens = entries.filter(([k]) => /token$/i.test(k));
  const rest = entries.filter(([k]) => !/token$/i.test(k));
  const width = Math.max(...entries.map(([k]) => k.length)) + 2;
  return [...tokens, ...rest].map(([k, v]) => visible(`${`${k}:`.padEnd(width)}${typeof v === 'string' ? v : JSON.stringify(v)}`)).join('\n');
}
