// The client's one Socket.IO connection. It only moves messages between the socket and the live store:
// subscribe on every (re)connect from the last applied sequence number, buffer deltas meanwhile (the store
// does that), retry a failed subscribe, and keep the connection state the header shows.
// The handshake carries the session's token (read afresh on every attempt, so a reconnect uses the renewed
// one). Without a session it stays unconnected; a handshake the server refuses renews the token once and
// tries again, and ends the session (→ login page, "需要登录") only when the renewal is refused too.
import { io, type Socket } from 'socket.io-client';
import type { ClientToServerEvents, LiveSubscribeRequest, ServerToClientEvents } from '@ccr/shared';
import type { LiveStore } from './stores/live';
import { useAuthStore } from './stores/auth';

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
  /** The session the handshake proves; the auth store by default. */
  session?: SocketSession;
}

/** What the socket needs of the session. */
export interface SocketSession {
  token(): string | null;
  /** Renews the token; resolves true while the session is alive (also when the server is merely away). */
  renew(): Promise<boolean>;
  /** The server refused the session for good. */
  refused(): void;
  onTokenChange(cb: (token: string | null) => void): () => void;
}

export function storeSession(): SocketSession {
  const auth = useAuthStore();
  return {
    token: () => auth.token,
    renew: () => auth.refresh(),
    refused: () => auth.sessionEnded('refused'),
    onTokenChange: (cb) => auth.onTokenChange(cb),
  };
}

/** Why a namespace middleware turned the handshake down (server/src/modules/auth/socket-auth.ts): the session is
 *  not (or no longer) valid, its role may not connect, or the server could not check it just now. */
function refusalCode(err: unknown): string | undefined {
  return (err as { data?: { code?: string } } | null)?.data?.code;
}

export interface LiveConnection {
  socket: LiveSocket;
  close(): void;
}

export function connectLive(store: LiveStore, opts: LiveConnectionOptions = {}): LiveConnection {
  const ackTimeoutMs = opts.ackTimeoutMs ?? 15_000;
  const disconnectedAfterMs = opts.disconnectedAfterMs ?? 15_000;
  const session = opts.session ?? storeSession();
  const ioOpts = {
    path: '/socket.io',
    transports: ['websocket', 'polling'],
    reconnectionDelay: 1_000,
    reconnectionDelayMax: 10_000,
    autoConnect: false,
    // A function: evaluated on every attempt, so reconnects carry the current (renewed) token.
    auth: (cb: (data: object) => void) => cb({ token: session.token() ?? '' }),
  };
  const socket: LiveSocket = opts.socket ?? (opts.url ? io(opts.url, ioOpts) : io(ioOpts));

  let attempt = 0; // identifies the newest subscribe; older acks are ignored
  let retryTimer: ReturnType<typeof setTimeout> | undefined;
  let downTimer: ReturnType<typeof setTimeout> | undefined;
  let closed = false;
  let refusals = 0;
  let renewTimer: ReturnType<typeof setTimeout> | undefined;

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
    refusals = 0;
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
  socket.on('connect_error', (err) => {
    markDown();
    // A transport failure leaves the socket active: Socket.IO retries it by itself. A middleware's answer does not.
    if (closed || socket.active) return;
    const code = refusalCode(err);
    clearTimeout(renewTimer);
    if (code === 'forbidden') { session.refused(); return; }
    if (code !== 'unauthorized') {
      // The server could not check the token (its Redis is away): ask again shortly, the session is not in doubt.
      renewTimer = setTimeout(() => { if (!closed && !socket.connected && session.token()) socket.connect(); }, 5_000);
      return;
    }
    // Refused: the token may have expired while we were away. Renew once, then try again; refused twice in a
    // row means the session is gone.
    if (++refusals > 1) {
      refusals = 0;
      session.refused();
      return;
    }
    void session.renew().then((alive) => {
      if (closed) return;
      if (!alive) { session.refused(); return; }
      renewTimer = setTimeout(() => { if (!closed && !socket.connected && session.token()) socket.connect(); }, 1_000);
    });
  });
  const offToken = session.onTokenChange((token) => {
    if (closed) return;
    if (!token) {
      // Logged out: nothing more may reach this screen.
      refusals = 0;
      if (socket.connected || socket.active) socket.disconnect();
      store.setConnection('disconnected');
    } else if (!socket.connected && !socket.active) {
      refusals = 0;
      socket.connect();
    }
  });
  socket.on('live:updated', (delta) => store.receiveDelta(delta));
  socket.on('units:moved', (frame) => { store.applyFrame(frame); });

  if (socket.connected) {
    store.setConnection('connected');
    subscribe();
  } else if (!opts.socket && session.token()) {
    socket.connect();
  }

  return {
    socket,
    close() {
      closed = true;
      offToken();
      clearTimeout(renewTimer);
      clearTimeout(retryTimer);
      clearTimeout(downTimer);
      socket.removeAllListeners();
      socket.disconnect();
      store.setConnection('disconnected');
    },
  };
}
