/**
 * What every CLI command shares: the usage error (exit 2), option names in the
 * shell's kebab-case for the API's camelCase fields, and help layout.
 */
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
  return first.replace(/^Option '(.*?)' argument missing$/, "option '$1' needs a value");
}
