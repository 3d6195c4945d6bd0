// Socket.IO on Fastify's own HTTP server, typed with the shared event maps.
import fp from 'fastify-plugin';
import { Server } from 'socket.io';
import type { ClientToServerEvents, ServerToClientEvents } from '@ccr/shared';
import { originAllowed } from './security.js';

export type LiveIo = Server<ClientToServerEvents, ServerToClientEvents>;

declare module 'fastify' {
  interface FastifyInstance {
    io: LiveIo;
  }
}

export const socketIoPlugin = fp<{ corsOrigins: string[] }>(
  async (app, opts) => {
    const io: LiveIo = new Server(app.server, {
      path: '/socket.io',
      serveClient: false,
      // Clients only send small commands; a big frame from a browser is abuse, not data.
      maxHttpBufferSize: 64 * 1024,
      pingInterval: 10_000,
      pingTimeout: 10_000,
      ...(opts.corsOrigins.length > 0 ? { cors: { origin: opts.corsOrigins } } : {}),
      // CORS does not cover WebSocket upgrades: refuse browsers from origins that are neither ours nor allowed.
      allowRequest: (req, cb) => cb(null, originAllowed(req.headers.origin, req.headers.host, opts.corsOrigins)),
    });
    app.decorate('io', io);
    app.addHook('preClose', async () => {
      io.disconnectSockets(true);
      await io.close().catch(() => undefined);
    });
  },
  { name: 'socket-io' },
);
