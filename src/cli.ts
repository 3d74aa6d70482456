#!/usr/bin/env node
/**
 * The command line: `agora-token-server mint <type> …` and `agora-token-server
 * inspect <token> …` (see --help). A process entry like server.ts: it reads the
 * environment (and .env) through config.ts, prints, and sets the exit code —
 * 0 done / valid, 1 problems or bad configuration, 2 usage.
 *
 * Tested as a process, built (test/system/cli.test.ts runs dist/cli.js).
 */
import { ConfigError, loadConfig, loadDotEnv } from './config.js';
import { runInspect } from './cli/inspect.js';
import { runMint } from './cli/mint.js';
import { BIN, EXIT, UsageError, visible } from './cli/usage.js';

/**
 * What `mint` reads of the environment: the credentials and the lifetime settings. The server's own settings
 * (PORT, CORS_ORIGINS, AUTH_MODE, JWT_*, …) mean nothing to a command that never listens, so a bad one must not
 * stop it: they are left out, and the app it builds gets their defaults.
 */
const MINT_VARIABLES = ['APP_ID', 'APP_CERTIFICATE', 'APP_CERTIFICATE_FILE', 'TOKEN_TTL_DEFAULT', 'TOKEN_TTL_MAX'];

const HELP = `Usage: ${BIN} <command> [options]

Commands:
  mint <type> [options]     mint a token, as the API does (${BIN} mint --help)
  inspect <token> [options] decode, verify and explain a token (${BIN} inspect --help)

Credentials come from APP_ID and APP_CERTIFICATE (or APP_CERTIFICATE_FILE) in the
environment or in a .env file in the working directory.`;

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  try {
    // The real environment wins over .env, as for the server.
    loadDotEnv();
    switch (command) {
      case 'mint': {
        const out = await runMint(rest, () => loadConfig(Object.fromEntries(MINT_VARIABLES.map((name) => [name, process.env[name]]))));
        if (out.stderr) process.stderr.write(`${out.stderr}\n`);
        if (out.stdout) process.stdout.write(`${out.stdout}\n`);
        return out.code;
      }
      case 'inspect': {
        const out = runInspect(rest, process.env, Math.floor(Date.now() / 1000));
        process.stdout.write(`${out.stdout}\n`);
        return out.code;
      }
      case undefined:
      case '-h':
      case '--help':
      case 'help':
        process.stdout.write(`${HELP}\n`);
        return command === undefined ? EXIT.usage : EXIT.ok;
      default:
        throw new UsageError(`unknown command "${command}"`, '');
    }
  } catch (err) {
    if (err instanceof UsageError) {
      // The message may quote what was typed (an unknown type, a name from a token): escaped like all output.
      process.stderr.write(`${BIN}${err.command ? ` ${err.command}` : ''}: ${visible(err.message)}\nRun \`${BIN}${err.command ? ` ${err.command}` : ''} --help\` for usage.\n`);
      return EXIT.usage;
    }
    // ConfigError is the only other error expected; anything else is a bug: node prints it and exits 1.
    /* c8 ignore next */
    if (!(err instanceof ConfigError)) throw err;
    // ConfigError messages name the variable and never hold its value.
    process.stderr.write(`${BIN}: ${err.message}\n`);
    return EXIT.problems;
  }
}

process.exitCode = await main(process.argv.slice(2));
