/**
 * Raw HTTP/1.1 over a real socket, for what `inject` cannot send: malformed request
 * lines and headers, bodies that stop short, requests that never finish.
 */
import type { Server } from 'node:http';
import { connect, type Socket } from 'node:net';
import { once } from 'node:events';
import type { Test } from 'tap';
import type { FastifyInstance } from 'fastify';
import { API_SECURITY_HEADERS } from '../../src/plugins/security.js';

export interface RawResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/** Parses the first response in `text` (the server closes after error answers). */
export function parseResponse(text: string): RawResponse | undefined {
  const end = text.indexOf('\r\n\r\n');
  if (end < 0) return undefined;
  const [statusLine, ...lines] = text.slice(0, end).split('\r\n');
  const status = Number(/^HTTP\/1\.[01] (\d{3}) /.exec(statusLine ?? '')?.[1] ?? 0);
  const headers: Record<string, string> = {};
  for (const line of lines) {
    const colon = line.indexOf(':');
    headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  const length = Number(headers['content-length'] ?? 0);
  return { status, headers, body: Buffer.from(text.slice(end + 4), 'latin1').subarray(0, length).toString('utf8') };
}

export interface RawConnection {
  socket: Socket;
  /** Everything received so far. */
  received: () => string;
  closed: Promise<unknown>;
  /**
   * Resolves as soon as what was received satisfies `done` (checked on each arrival, no polling);
   * rejects if the connection closes first.
   */
  until: (done: (text: string) => boolean) => Promise<string>;
}

/** A connection that collects everything the server sends until it closes. */
export async function openRaw(port: number): Promise<RawConnection> {
  const socket = connect(port, '127.0.0.1');
  await once(socket, 'connect');
  let text = '';
  socket.on('data', (c: Buffer) => (text += c.toString('latin1')));
  socket.on('error', () => {});
  const closed = once(socket, 'close');
  const until = (done: (text: string) => boolean) =>
    new Promise<string>((resolve, reject) => {
      const check = () => {
        if (!done(text)) return false;
        socket.off('data', check);
        socket.off('close', early);
        resolve(text);
        return true;
      };
      const early = () => {
        socket.off('data', check);
        if (!check()) reject(new Error(`connection closed before the expected answer; received: ${JSON.stringify(text.slice(0, 500))}`));
      };
      if (check()) return;
      // Registered after the collector above, so `text` already holds the new chunk.
      socket.on('data', check);
      socket.once('close', early);
    });
  return { socket, received: () => text, closed, until };
}

/**
 * Whether `text` holds one whole final response: the head, then as many body bytes as
 * Content-Length says (none after a HEAD), or a chunked body up to its last chunk.
 */
export function hasWholeResponse(text: string, head = false): boolean {
  const end = text.indexOf('\r\n\r\n');
  if (end < 0) return false;
  // An interim answer (100 Continue) is not the response: look past it.
  if (/^HTTP\/1\.[01] 1\d\d /.test(text)) return hasWholeResponse(text.slice(end + 4), head);
  if (head) return true;
  const rest = text.slice(end + 4);
  if (/^transfer-encoding:\s*chunked/im.test(text.slice(0, end))) return rest.includes('0\r\n\r\n');
  const length = Number(/^content-length:\s*(\d+)/im.exec(text.slice(0, end))?.[1] ?? 0);
  return Buffer.byteLength(rest, 'latin1') >= length;
}

/**
 * Sends `request` and resolves with what came back once a whole response is in or the
 * server closed; `waitMs` only bounds a server that does neither (the assertions then
 * fail on what did come). With `halfClose`, the client then ends its side, as a client
 * that sent all it had.
 */
export async function exchange(port: number, request: string | Buffer, waitMs = 30_000, halfClose = false): Promise<string> {
  const c = await openRaw(port);
  const head = request.toString('latin1').startsWith('HEAD ');
  if (halfClose) c.socket.end(request);
  else c.socket.write(request);
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([
    c.until((text) => hasWholeResponse(text, head)).catch(() => undefined),
    new Promise((resolve) => (timer = setTimeout(resolve, waitMs))),
  ]);
  clearTimeout(timer);
  c.socket.destroy();
  return c.received();
}

/**
 * How many of `server`'s connections have a request still arriving: its first bytes read by
 * the HTTP parser, its headers or body not complete. From Node's own connection list, the one
 * closeIdleConnections walks, where a connection not read from yet, between requests, or with a
 * complete request being answered counts as idle.
 */
export function requestsArriving(server: Server): number {
  const key = Object.getOwnPropertySymbols(server).find((s) => s.description === 'http.server.connections');
  const list = key && (server as unknown as Record<symbol, { all(): unknown[]; idle(): unknown[] } | undefined>)[key];
  if (!list) throw new Error("this Node has no 'http.server.connections' list: update requestsArriving()");
  return list.all().length - list.idle().length;
}

/** How many connections `server` holds open (its side of them). */
export function openConnections(server: Server): Promise<number> {
  return new Promise((resolve, reject) => server.getConnections((err, n) => (err ? reject(err) : resolve(n))));
}

export async function listen(t: Test, app: FastifyInstance): Promise<number> {
  await app.listen({ port: 0, host: '127.0.0.1' });
  t.teardown(() => app.close());
  return (app.server.address() as { port: number }).port;
}

const ERROR_KEYS = ['code', 'error', 'message', 'requestId', 'statusCode'];

/**
 * Whether a response is an error in the one shape (ErrorResponse), with its request id
 * in X-Request-Id and the security headers every API response carries.
 */
export function isOneShapeError(res: { status: number; headers: Record<string, unknown>; body: string }): boolean {
  if (res.status < 400 || res.status > 599) return false;
  let json: Record<string, unknown>;
  try {
    json = JSON.parse(res.body) as Record<string, unknown>;
  } catch {
    return false;
  }
  const keys = Object.keys(json).filter((k) => k !== 'field').sort().join();
  return (
    keys === ERROR_KEYS.join() &&
    json.statusCode === res.status &&
    typeof json.code === 'string' &&
    typeof json.message === 'string' &&
    (json.field === undefined || typeof json.field === 'string') &&
    json.requestId === res.headers['x-request-id'] &&
    String(res.headers['content-type']).startsWith('application/json') &&
    Object.entries(API_SECURITY_HEADERS).every(([k, v]) => res.headers[k] === v)
  );
}
