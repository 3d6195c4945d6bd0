// The client's one Socket.IO connection. It only moves messages between the socket and the live store:
// subscribe on every (re)connect from the last applied sequence number, buffer deltas meanwhile (the store
// does that), retry a failed subscribe, and keep the connection state the header shows.
import { io, type Socket } from 'socket.io-client';
import type { ClientToServerEvents, LiveSubscribeRequest, ServerToClientEvents } from '@ccr/shared';
import type { LiveStore } from './stores/live';

export type LiveSocket = Socket<ServerToClientEvents, ClientToServerEvents>;

export interface LiveConnectionOptions {
  /** Origin of the server; the page's own by default. */
  url?: string;
  /** How long to wait for the live:subscribe ack. */
  ackTimeoutMs?: number;
  /** After this long without a connection the state turns from 重连中 (amber) to 断开 (red). */
  disconnectedAfterMs?: number;
  /** For tests: a socket to use instead of creating one. */
  socket?: LiveSocket;
}

export interface LiveConnection {
  socket: LiveSocket;
  close(): void;
}

export function connectLive(store: LiveStore, opts: LiveConnectionOptions = {}): LiveConnection {
  const ackTimeoutMs = opts.ackTimeoutMs ?? 15_000;
  const disconnectedAfterMs = opts.disconnectedAfterMs ?? 15_000;
  const ioOpts = {
    path: '/socket.io',
    transports: ['websocket', 'polling'],
    reconnectionDelay: 1_000,
    reconnectionDelayMax: 10_000,
  };
  const socket: LiveSocket = opts.socket ?? (opts.url ? io(opts.url, ioOpts) : io(ioOpts));

  let attempt = 0; // identifies the newest subscribe; older acks are ignored
  let retryTimer: ReturnType<typeof setTimeout> | undefined;
  let downTimer: ReturnType<typeof setTimeout> | undefined;
  let closed = false;

  function subscribe(fresh = false): void {
    clearTimeout(retryTimer);
    if (fresh) store.forgetSeq();
    const since = store.lastSeq;
    const req: LiveSubscribeRequest = since ? { since } : {};
    const mine = ++attempt;
    store.beginSubscribe();
    socket.timeout(ackTimeoutMs).emit('live:subscribe', req, (err, res) => {
      if (mine !== attempt || closed) return;
      if (err) {
        // No ack in time: keep buffering, try again while connected.
        retryTimer = setTimeout(() => { if (socket.connected) subscribe(); }, 2_000);
        return;
      }
      if (!res.ok) {
        // The server could not resume from `since` (or refused): start over from a snapshot.
        retryTimer = setTimeout(() => { if (socket.connected) subscribe(true); }, since ? 0 : 5_000);
        return;
      }
      const behind = store.completeSubscribe(res.data);
      if (behind) subscribe();
    });
  }

  function markDown(): void {
    if (closed) return;
    // Amber while a retry may still succeed soon; once red, stay red until a connection is made.
    if (store.connection === 'connected') store.setConnection('reconnecting');
    if (downTimer === undefined) {
      downTimer = setTimeout(() => {
        downTimer = undefined;
        if (!socket.connected && !closed) store.setConnection('disconnected');
      }, disconnectedAfterMs);
    }
  }

  socket.on('connect', () => {
    clearTimeout(downTimer);
    downTimer = undefined;
    store.setConnection('connected');
    subscribe();
  });
  socket.on('disconnect', (reason) => {
    attempt++; // an ack still in flight belongs to the old connection
    markDown();
    // The server closed us on purpose (e.g. a restart): Socket.IO does not retry that by itself.
    if (reason === 'io server disconnect' && !closed) setTimeout(() => { if (!closed) socket.connect(); }, 1_000);
  });
  socket.on('connect_error', () => markDown());
  socket.on('live:updated', (delta) => store.receiveDelta(delta));
  socket.on('units:moved', (frame) => { store.applyFrame(frame); });

  if (socket.connected) {
    store.setConnection('connected');
    subscribe();
  }

  return {
    socket,
    close() {
      closed = true;
      clearTimeout(retryTimer);
      clearTimeout(downTimer);
      socket.removeAllListeners();
      socket.disconnect();
      store.setConnection('disconnected');
    },
  };
}
