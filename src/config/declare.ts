/**
 * How an environment variable is declared, and everything derived from a declaration:
 * reading its text, the one-line error that names it, and its row in docs/configuration.md.
 *
 * A declaration is a TypeBox schema of the parsed value (bounds are `minimum`/`maximum`,
 * `default` and `description` are JSON Schema's own) plus the few keywords of `Doc`,
 * which say how the value reads to a person.
 */
import type { TObject, TSchema, Static } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';

/** What a declaration adds to JSON Schema. */
export interface Doc {
  /** What the variable does: the docs table's "Meaning" column (Markdown, as `unset`). */
  description: string;
  /** What a valid value looks like, where the type cannot say it (strings); plain text. */
  expected?: string;
  /** Numbers: what the value is, when more than a number, e.g. `a TCP port`. */
  noun?: string;
  /** Numbers: what is counted, e.g. `seconds`. */
  unit?: string;
  /** Numbers: 0 turns the feature off. */
  off?: boolean;
  /** A rule across variables, appended to the expected text, e.g. `different from PORT`. */
  also?: string;
  /** Optional variables without a default: what happens when unset. */
  unset?: string;
}
export const DOC_KEYWORDS = ['description', 'expected', 'noun', 'unit', 'off', 'also', 'unset'] as const;

type Declaration = TSchema & Doc & { minimum?: number; maximum?: number; anyOf?: { const: string }[] };

export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

/** Variables as read: trimmed, with empty meaning unset. */
export type EnvText = Record<string, string | undefined>;

/** What a valid value looks like, in the words errors and the docs use. */
export function expectedOf(schema: TSchema): string {
  const d = schema as Declaration;
  let text: string;
  if (d.expected !== undefined) text = d.expected;
  else if (d.anyOf !== undefined) text = `one of ${d.anyOf.map((l) => l.const).join(', ')}`;
  else {
    // Only numbers lack an `expected` text (test/config.test.ts checks every declaration).
    const noun = d.noun ?? (d.type === 'integer' ? 'a whole number' : 'a number');
    text = `${noun}${d.unit ? ` of ${d.unit}` : ''} from ${d.minimum} to ${d.maximum}`;
  }
  return `${text}${d.also ? `, ${d.also}` : ''}${d.off ? ' (0 = off)' : ''}`;
}

/**
 * The one-line error for a variable. It names the variable and what is expected and
 * never echoes the value, which may be a secret.
 */
export function fail(schema: TObject, name: string, env: EnvText): never {
  const state = env[name] === undefined ? 'is missing' : 'is invalid';
  throw new ConfigError(`${name} ${state}: expected ${expectedOf(schema.properties[name] as TSchema)}`);
}

/**
 * Numbers are canonical decimal text only: no sign, exponent, hex, leading zero or
 * blank, so what an operator reads in a manifest is the value the service uses.
 */
const WHOLE = /^(0|[1-9][0-9]*)$/;
const DECIMAL = /^(0|[1-9][0-9]*)(\.[0-9]+)?$/;

function fromText(schema: Declaration, text: string): unknown {
  if (schema.type === 'integer') return WHOLE.test(text) ? Number(text) : undefined;
  if (schema.type === 'number') return DECIMAL.test(text) ? Number(text) : undefined;
  return text;
}

/** Trims every declared variable of `source`; empty counts as unset. */
export function readText(schema: TObject, source: EnvText): EnvText {
  const env: EnvText = {};
  for (const name of Object.keys(schema.properties)) env[name] = source[name]?.trim() || undefined;
  return env;
}

/**
 * Parses the variables `schema` declares, with their defaults, checking each against
 * its declaration; throws a ConfigError naming the first bad one.
 */
export function parseEnv<T extends TObject>(schema: T, env: EnvText): Static<T> {
  const required = new Set(schema.required);
  const out: Record<string, unknown> = {};
  for (const [name, declaration] of Object.entries(schema.properties) as [string, Declaration][]) {
    const text = env[name];
    if (text === undefined) {
      if (declaration.default !== undefined) out[name] = declaration.default;
      else if (required.has(name)) fail(schema, name, env);
      continue;
    }
    const value = fromText(declaration, text);
    if (value === undefined || !Value.Check(declaration, value)) fail(schema, name, env);
    out[name] = value;
  }
  return out;
}

/** The schemas `declare.ts` can read: a number with both bounds, a union of literals, or a string with an `expected` text. */
export function readable(schema: TSchema): boolean {
  const d = schema as Declaration;
  if (typeof d.description !== 'string' || d.description === '') return false;
  if (d.type === 'integer' || d.type === 'number') return d.minimum !== undefined && d.maximum !== undefined && d.expected === undefined;
  if (d.anyOf !== undefined) return d.anyOf.every((l) => typeof l.const === 'string');
  return d.type === 'string' && typeof d.expected === 'string';
}

const code = (s: string) => `\`${s}\``;
/** Plain text (the expected texts errors print) made literal in a Markdown table cell. */
const plain = (s: string) => s.replaceAll('|', '\\|').replaceAll('*', '\\*').replaceAll('<', '&lt;');

/** The docs table rows of a group of declarations: variable, default, accepted values, meaning. */
export function markdownTable(schema: TObject): string {
  const required = new Set(schema.required);
  const rows = Object.entries(schema.properties).map(([name, s]) => {
    const d = s as Declaration;
    const fallback =
      d.default !== undefined ? code(String(d.default)) : required.has(name) ? '— (required)' : d.unset ? `unset: ${d.unset}` : '—';
    return `| ${code(name)} | ${fallback} | ${plain(expectedOf(d))} | ${d.description} |`;
  });
  return ['| Variable | Default | Accepted | Meaning |', '|---|---|---|---|', ...rows].join('\n');
}
