// Redis connections: one shared command connection, plus dedicated ones for subscribe and blocking reads
// (a blocking XREAD would otherwise stall every other command on its connection).
import fp from 'fastify-plugin';
import { createClient } from 'redis';
import type { FastifyBaseLogger } from 'fastify';

export type RedisClient = ReturnType<typeof createClient>;

export interface RedisConnections {
  command: RedisClient;
  /** A new dedicated connection (for SUBSCRIBE or blocking reads); closed with the app. */
  dedicated(name: string): Promise<RedisClient>;
}

declare module 'fastify' {
  interface FastifyInstance {
    redis: RedisConnections;
  }
}

function connect(url: string, name: string, log: FastifyBaseLogger): RedisClient {
  const client = createClient({
    url,
    name: `ccr-${name}`,
    // Reconnect forever with capped backoff: the server must ride out a Redis restart unattended.
    socket: { reconnectStrategy: (retries: number) => Math.min(100 * 2 ** retries, 5_000), connectTimeout: 5_000 },
  });
  let down = false;
  client.on('error', (err: Error) => {
    if (!down) log.error({ err: err.message, connection: name }, 'redis connection error');
    down = true;
  });
  client.on('ready', () => {
    if (down) log.info({ connection: name }, 'redis connection restored');
    down = false;
  });
  return client;
}

export const redisPlugin = fp<{ url: string }>(
  async (app, opts) => {
    const all: RedisClient[] = [];
    const command = connect(opts.url, 'command', app.log);
    all.push(command);
    await command.connect();
    app.decorate('redis', {
      command,
      async dedicated(name: string) {
        const c = connect(opts.url, name, app.log);
        all.push(c);
        await c.connect();
        return c;
      },
    } satisfies RedisConnections);
    app.addHook('onClose', async () => {
      await Promise.allSettled(all.map((c) => (c.isOpen ? c.close() : undefined)));
    });
  },
  { name: 'redis' },
);
