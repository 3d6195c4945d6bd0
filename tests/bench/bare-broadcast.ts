// Baseline for the fan-out benchmark: the least a Socket.IO server can do with the same input —
// subscribe to the positions channel and broadcast every message as it comes. No validation, no state,
// no coalescing.
import { createServer } from 'node:http';
import { createClient } from 'redis';
import { Server } from 'socket.io';

const port = Number(process.env.PORT);
const channel = process.env.CHANNEL ?? 'ccr:in:positions';
const http = createServer();
const io = new Server(http, { serveClient: false });
const sub = createClient({ url: process.env.REDIS_URL });
await sub.connect();
await sub.subscribe(channel, (message) => {
  io.emit('positions', JSON.parse(message));
});
http.listen(port, '127.0.0.1', () => process.stdout.write('ready\n'));
process.on('SIGTERM', () => process.exit(0));
