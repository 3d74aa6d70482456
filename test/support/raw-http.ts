/**
 * Raw HTTP/1.1 over a real socket, for what `inject` cannot send: malformed request
 * lines and headers, bodies that stop short, requests that never finish.
 */
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

/** A connection that collects everything the server sends until it closes. */
export async function openRaw(port: number): Promise<{ socket: Socket; received: () => string; closed: Promise<unknown> }> {
  const socket = connect(port, '127.0.0.1');
  await once(socket, 'connect');
  let text = '';
  socket.on('data', (c: Buffer) => (text += c.toString('latin1')));
  socket.on('error', () => {});
  const closed = once(socket, 'close');
  return { socket, received: () => text, closed };
}

/**
 * Sends `request` and resolves with what came back by close or `waitMs`. With
 * `halfClose`, the client then ends its side, as a client that sent all it had.
 */
export async function exchange(port: number, request: string | Buffer, waitMs = 5000, halfClose = false): Promise<string> {
  const c = await openRaw(port);
  if (halfClose) c.socket.end(request);
  else c.socket.write(request);
  await Promise.race([c.closed, new Promise((resolve) => setTimeout(resolve, waitMs))]);
  c.socket.destroy();
  return c.received();
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
