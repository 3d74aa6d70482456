/**
 * Real server processes for the tests that need signals, sockets and a load
 * balancer. `source` runs src/server.ts under the test's own loaders, so coverage
 * of the process entry is collected; `dist` runs the built server as production does.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('../..', import.meta.url));
export const SERVER_SOURCE = `${ROOT}src/server.ts`;
/** What production runs: the bundle (scripts/bundle.mjs). */
export const SERVER_DIST = `${ROOT}dist/bundle/server.js`;

export interface ServerProcess {
  child: ChildProcess;
  port: number;
  /** Parsed JSON log lines so far. */
  logs: Record<string, unknown>[];
  stderr: () => string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null; at: number }>;
  /**
   * Resolves with the first log line (already written or still to come) that satisfies `match`,
   * as soon as it arrives; rejects if the process exits without writing one.
   */
  logged: (match: (line: Record<string, unknown>) => boolean) => Promise<Record<string, unknown>>;
}

/** A TCP port that was free a moment ago. */
export async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as { port: number };
  server.close();
  await once(server, 'close');
  return port;
}

export interface StartOptions {
  env: Record<string, string>;
  cwd: string;
  entry?: 'source' | 'dist';
  /** Wait for "Server listening" (default true). */
  waitListening?: boolean;
  /** Extra node flags, before the entry (e.g. --import of a fixture). */
  nodeArgs?: string[];
}

export function startServer(opts: StartOptions): Promise<ServerProcess> {
  const dist = opts.entry === 'dist';
  const extra = opts.nodeArgs ?? [];
  const args = dist ? [...extra, SERVER_DIST] : [...process.execArgv, ...extra, SERVER_SOURCE];
  // Only what the server needs, plus, for src/, what the TypeScript and coverage loaders read.
  const loaders = (k: string) => k.startsWith('_TAPJS_') || k.startsWith('NODE_') || k.startsWith('TS_NODE_');
  const inherited = Object.fromEntries(Object.entries(process.env).filter(([k]) => k === 'PATH' || (!dist && loaders(k))));
  const child = spawn(process.execPath, args, {
    cwd: opts.cwd,
    env: { ...inherited, HOST: '127.0.0.1', LOG_LEVEL: 'info', ...opts.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const logs: Record<string, unknown>[] = [];
  const waiting = new Set<(line: Record<string, unknown>) => void>();
  let err = '';
  let buffered = '';
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null; at: number }>((resolve) =>
    child.on('exit', (code, signal) => resolve({ code, signal, at: Date.now() })),
  );
  child.stderr?.on('data', (chunk: Buffer) => {
    err += chunk.toString();
  });
  const streamsClosed = once(child, 'close');
  const logged = (match: (line: Record<string, unknown>) => boolean) =>
    new Promise<Record<string, unknown>>((resolve, reject) => {
      const found = logs.find(match);
      if (found) return resolve(found);
      const waiter = (line: Record<string, unknown>) => {
        if (!match(line)) return;
        waiting.delete(waiter);
        resolve(line);
      };
      waiting.add(waiter);
      // 'close', not 'exit': the last lines may still be in the pipe when the process exits.
      void streamsClosed.then(() => {
        if (waiting.delete(waiter)) reject(new Error(`server exited (${String(child.exitCode)}) without the awaited log line`));
      });
    });
  return new Promise((resolve, reject) => {
    let port = 0;
    const done = () => resolve({ child, port, logs, stderr: () => err, exited, logged });
    child.stdout?.on('data', (chunk: Buffer) => {
      buffered += chunk.toString();
      const lines = buffered.split('\n');
      buffered = lines.pop() ?? '';
      for (const line of lines) {
        let entry: Record<string, unknown>;
        try {
          entry = JSON.parse(line) as Record<string, unknown>;
        } catch {
          continue;
        }
        logs.push(entry);
        for (const waiter of [...waiting]) waiter(entry);
        const match = /^Server listening at http:\/\/127\.0\.0\.1:(\d+)$/.exec(String(entry.msg));
        if (match && entry.listener === undefined && port === 0) {
          port = Number(match[1]);
          if (opts.waitListening !== false) done();
        }
      }
    });
    if (opts.waitListening === false) done();
    void exited.then(({ code }) => reject(new Error(`server exited (${String(code)}) before listening: ${err}`)));
  });
}

/** Stops a child this test started, if it still runs. */
export function stop(p: ServerProcess | undefined): void {
  if (p && p.child.exitCode === null && p.child.signalCode === null) p.child.kill('SIGKILL');
}
