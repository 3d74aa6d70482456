/**
 * The request deadline also holds while the server closes.
 * Node stops checking deadlines as soon as `server.close()` is called, and close
 * waits for every connection that is not idle: one client that stopped half-way
 * through its headers or body would hold a rolling restart until the forced exit
 * (status 1). So when close begins, a request that has not fully arrived is answered
 * 408 in the one error shape and its connection closed; a request that has arrived
 * is answered as usual (with `Connection: close`, see the health plugin).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { clientErrorHandler } from './errors.js';

/** A client gets this long to send its whole request, headers and body (slow-loris protection). */
export const REQUEST_TIMEOUT_MS = 10_000;

/**
 * How often the deadline is checked: by Node while the server runs (serverOptions
 * passes it on; Node's default, 30 s, would let a 10 s deadline run to 40 s), here
 * while it closes. Node's check walks only connections with a request arriving.
 */
export const DEADLINE_CHECK_INTERVAL_MS = 1000;

async function requestDeadlinePlugin(app: FastifyInstance) {
  const sockets = new Set<Socket>();
  /** The latest request seen on each connection. */
  const latest = new WeakMap<Socket, { req: IncomingMessage; res: ServerResponse }>();
  app.server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  app.server.on('request', (req: IncomingMessage, res: ServerResponse) => latest.set(req.socket, { req, res }));

  const sweep = () => {
    // Connections between requests go first, as Fastify's forceCloseConnections: 'idle' does.
    app.server.closeIdleConnections();
    for (const socket of sockets) {
      if (socket.destroyed) continue;
      const exchange = latest.get(socket);
      // Arrived in full and not yet answered: it finishes.
      if (exchange && exchange.req.complete && !exchange.res.writableFinished) continue;
      // Left: a body still arriving, or the headers of a request not yet complete.
      clientErrorHandler.call(app, Object.assign(new Error('request still arriving at close'), { code: 'ERR_HTTP_REQUEST_TIMEOUT' }), socket);
    }
  };
  let sweeping: NodeJS.Timeout | undefined;
  app.addHook('preClose', (done) => {
    // Fastify calls server.close() right after the preClose hooks, in this same turn:
    // sweep once it has, when no new connection can arrive; then every check interval
    // (Node's own checks have stopped), for a request begun on a connection still
    // finishing its response.
    setImmediate(sweep);
    sweeping = setInterval(sweep, DEADLINE_CHECK_INTERVAL_MS).unref();
    done();
  });
  app.addHook('onClose', async () => clearInterval(sweeping));
}

export default fp(requestDeadlinePlugin, { name: 'request-deadline', fastify: '5.x', dependencies: ['errors'] });
