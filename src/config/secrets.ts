/**
 * Secrets in the configuration: a holder that never prints its value, and the
 * `<NAME>_FILE` variables that read one from a mounted file (Docker/Kubernetes secrets).
 */
import { inspect } from 'node:util';
import { Value } from '@sinclair/typebox/value';
import { ConfigError, type EnvText } from './declare.js';
import { EnvSchema, fail } from './env.js';

/**
 * Holds a secret so that it cannot reach a log line or a response by accident:
 * JSON, string conversion and util.inspect all print a placeholder.
 */
export class Secret {
  readonly #value: string;
  constructor(value: string) {
    this.#value = value;
  }
  reveal(): string {
    return this.#value;
  }
  toJSON(): string {
    return '[redacted]';
  }
  toString(): string {
    return '[redacted]';
  }
  [inspect.custom](): string {
    return '[redacted]';
  }
}

/** Variables that may instead be read from a file named by `<NAME>_FILE`. */
const FILE_VARIABLES = ['APP_CERTIFICATE'] as const;

/** Replaces `NAME_FILE` by the content of that file as `NAME`; never both. */
export function readFileVariables(env: EnvText, readFile: (path: string) => string): void {
  for (const name of FILE_VARIABLES) {
    const fileName = `${name}_FILE` as const;
    const path = env[fileName];
    if (path === undefined) continue;
    if (env[name] !== undefined) {
      throw new ConfigError(`${fileName} is invalid: set either ${name} or ${fileName}, not both`);
    }
    let content: string;
    try {
      content = readFile(path);
    } catch (err) {
      // The path is not secret; the content is, so it is never echoed.
      throw new ConfigError(`${fileName} is invalid: cannot read ${path} (${(err as NodeJS.ErrnoException).code ?? 'error'})`);
    }
    env[name] = content.trim() || undefined;
    if (env[name] === undefined || !Value.Check(EnvSchema.properties[name], env[name])) fail(fileName, env);
  }
}
