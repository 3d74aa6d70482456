/**
 * What every CLI command shares: the usage error (exit 2), option names in the
 * shell's kebab-case for the API's camelCase fields, and help layout.
 */
import { parseArgs, type ParseArgsConfig } from 'node:util';

export const BIN = 'agora-token-server';

/** Exit codes: 0 done / token valid; 1 token has problems, or the configuration is bad; 2 usage. */
export const EXIT = { ok: 0, problems: 1, usage: 2 } as const;

/** Wrong arguments: printed with a pointer to --help, exit 2. */
export class UsageError extends Error {
  readonly command: string;
  constructor(message: string, command: string) {
    super(message);
    this.command = command;
    this.name = 'UsageError';
  }
}

/** channelName → channel-name */
export const kebab = (field: string) => field.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);

/** Lines "  --name VALUE   text", aligned. */
export function optionLines(options: [string, string][]): string {
  const width = Math.max(...options.map(([o]) => o.length)) + 3;
  return options.map(([o, text]) => `  ${o.padEnd(width)}${text}`).join('\n');
}

/** The argument errors node:util parseArgs throws, reworded for people. */
export function parseArgsMessage(err: Error): string {
  // Only the first sentence: the rest of node's text suggests syntax this command does not document.
  const first = (err.message.split('\n')[0] as string).replace(/\. To specify a positional argument.*$/, '');
  return first
    .replace(/^Option '(.*?)' argument missing$/, "option '$1' needs a value")
    .replace(
      /^Option '(.*?)' argument is ambiguous\.$/,
      "option '$1' needs a value, and the argument after it starts with '-': give the value, or write $1=VALUE for a value that starts with '-'",
    );
}

/**
 * node:util parseArgs, strict, with its errors as usage errors, and an option given twice refused (parseArgs
 * keeps the last one silently: `--uid 4 --uid 5` would mint for 5 without a word).
 */
export function parseCommandLine<T extends ParseArgsConfig>(config: T, command: string): ReturnType<typeof parseArgs<T>> {
  let parsed;
  try {
    parsed = parseArgs({ ...config, strict: true, tokens: true });
  } catch (err) {
    throw new UsageError(parseArgsMessage(err as Error), command);
  }
  const seen = new Set<string>();
  for (const token of parsed.tokens as NonNullable<typeof parsed.tokens>) {
    if (token.kind !== 'option') continue;
    if (seen.has(token.name)) throw new UsageError(`option '--${token.name}' is given more than once; give it once`, command);
    seen.add(token.name);
  }
  return parsed as unknown as ReturnType<typeof parseArgs<T>>;
}

/**
 * Characters a terminal acts on instead of printing: C0/C1 controls (ESC sequences, CR, LF, BEL), format
 * characters (bidi overrides, zero-width ones) and the Unicode line and paragraph separators. Tokens come from
 * strangers: a name holding them could clear the screen, set the title, or forge output lines.
 */
const UNPRINTABLE = /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}]/gu;

const SHORT_ESCAPES: Record<string, string> = { '\n': '\\n', '\r': '\\r', '\t': '\\t' };

/** One line of readable output with every unprintable character written as an escape (\n, \x1b, \u202e). */
export function visible(line: string): string {
  return line.replace(UNPRINTABLE, (c) => {
    const code = c.codePointAt(0) as number;
    if (SHORT_ESCAPES[c]) return SHORT_ESCAPES[c];
    if (code < 0x100) return `\\x${code.toString(16).padStart(2, '0')}`;
    return code > 0xffff ? `\\u{${code.toString(16)}}` : `\\u${code.toString(16).padStart(4, '0')}`;
  });
}

/**
 * JSON output, safe on a terminal: JSON.stringify escapes C0 controls already, not DEL, C1, bidi or format
 * characters; they are written as \uXXXX, which is the same JSON (they only ever occur inside strings).
 */
export function visibleJson(value: unknown): string {
  // C0 controls left in the text are the layout's own line breaks.
  return JSON.stringify(value, null, 2).replace(/[\u007f-\u009f\p{Cf}\p{Zl}\p{Zp}]/gu, (c) =>
    c
      .split('')
      .map((unit) => `\\u${unit.charCodeAt(0).toString(16).padStart(4, '0')}`)
      .join(''),
  );
}
