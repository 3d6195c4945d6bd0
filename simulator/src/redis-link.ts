// The producer's one connection to Redis, kept usable through a Redis restart, a socket that stops answering and,
// on a Redis Cluster, a failover of the deployment's master.
//
// On a Cluster every name of the deployment carries one hash tag (keyBase in @ccr/shared), so every command the
// producer sends (PUBLISH, XADD, XRANGE, WAIT) belongs to the master of that tag's slot; classic PUBLISH reaches every
// node's subscribers from there. So, as the server does (server/src/plugins/redis-cluster-route.ts, which explains
// why not node-redis's createCluster), this is a plain client to that master, found with CLUSTER KEYSLOT and
// CLUSTER SLOTS among the nodes REDIS_URL names, asked again every second and replaced when the slot moves. It does
// not import the server's route: the simulator's image carries none of the server's code.
//
// A command written to a socket that never answers stays queued in node-redis (its own command timeout covers only
// commands not yet written), which is how a cluster client was seen holding a command for a dead master for over a
// minute. Here every command has a deadline; one that passes it drops the connection for a fresh one.
import { createClient } from 'redis';

export type LinkClient = ReturnType<typeof createClient>;

export interface RedisLinkOptions {
  /** REDIS_URL: one node; on a Cluster any of its nodes, comma-separated. */
  url: string;
  /** On a Cluster: a name in the deployment's slot (its key base), whose master the link follows. */
  clusterHashKey?: string;
  /** A command not answered within this is given up and its connection replaced (default 2 s). */
  commandTimeoutMs?: number;
  /** How often a Cluster is asked where the slot is (default 1 s). */
  pollMs?: number;
  log: (line: string) => void;
}

/** A command was not sent: the connection is not up (nothing is buffered for later). */
export class LinkOffline extends Error {
  constructor() { super('redis is not connected'); }
}

/** A command got no answer in time (it may still have been carried out). */
export class LinkTimeout extends Error {
  constructor(ms: number) { super(`no answer from redis in ${ms} ms`); }
}

/** The URL without its password, for log lines. */
export function redactUrl(url: string): string {
  return url.split(',').map((one) => {
    try {
      const u = new URL(one.trim());
      if (u.password) u.password = '***';
      return u.toString();
    } catch {
      return one;
    }
  }).join(',');
}

const backoff = (retries: number): number => Math.min(250 * 2 ** Math.min(retries, 5), 5000);

export class RedisLink {
  readonly #o: Required<Omit<RedisLinkOptions, 'clusterHashKey'>> & { clusterHashKey: string | undefined };
  readonly #known: string[];
  #client: LinkClient | undefined;
  #at = '';
  #state: 'connecting' | 'up' | 'down' = 'connecting';
  #downSince = 0;
  #warned = false;
  #generation = 0;
  #timer: NodeJS.Timeout | undefined;
  #checking: Promise<void> | undefined;
  /** The connection stopped answering: replace it even if the slot has not moved. */
  #stale = false;
  #closed = false;
  #firstReady!: () => void;
  /** Resolves when the link is first ready. */
  readonly firstReady: Promise<void> = new Promise((resolve) => { this.#firstReady = resolve; });

  constructor(options: RedisLinkOptions) {
    this.#o = { commandTimeoutMs: 2000, pollMs: 1000, ...options, clusterHashKey: options.clusterHashKey };
    this.#known = [...new Set(options.url.split(',').map((s) => s.trim()).filter(Boolean))];
    if (this.#known.length === 0) throw new Error('REDIS_URL names no Redis');
  }

  get isReady(): boolean { return !!this.#client?.isReady; }
  get state(): 'connecting' | 'up' | 'down' { return this.#state; }
  /** Counts the times a connection became ready: a write sent under an earlier generation may have been lost. */
  get generation(): number { return this.#generation; }
  /** The client now (for a read at start-up; commands go through `call`). */
  get client(): LinkClient | undefined { return this.#client; }

  /** Starts connecting (and, on a Cluster, finding and following the slot's master); does not wait. */
  start(): void {
    if (this.#o.clusterHashKey === undefined) {
      this.#use(this.#known[0]!);
      return;
    }
    void this.#check();
    this.#timer = setInterval(() => void this.#check(), this.#o.pollMs);
    this.#timer.unref();
  }

  /** Runs one command on the connection, failing at once while it is down and after the deadline if unanswered. */
  async call<T>(command: (client: LinkClient) => Promise<T>): Promise<T> {
    const c = this.#client;
    if (!c?.isReady) throw new LinkOffline();
    let timer: NodeJS.Timeout | undefined;
    try {
      return await Promise.race([
        command(c),
        new Promise<never>((_, reject) => { timer = setTimeout(() => reject(new LinkTimeout(this.#o.commandTimeoutMs)), this.#o.commandTimeoutMs); }),
      ]);
    } catch (err) {
      if (err instanceof LinkTimeout && c === this.#client) {
        this.#o.log(`redis: ${err.message}; opening a new connection`);
        this.#lost(err.message);
        if (this.#o.clusterHashKey === undefined) this.#use(this.#at);
        else {
          this.#stale = true;
          void this.#check();
        }
      }
      throw err;
    } finally {
      clearTimeout(timer);
    }
  }

  async close(): Promise<void> {
    this.#closed = true;
    clearInterval(this.#timer);
    const c = this.#client;
    this.#client = undefined;
    try {
      if (c?.isReady) await c.close();
      else c?.destroy();
    } catch {
      // already closed
    }
  }

  #lost(reason: string): void {
    if (this.#state !== 'up') return;
    this.#state = 'down';
    this.#downSince = Date.now();
    this.#o.log(`redis: connection lost (${reason}); reconnecting`);
  }

  /** A new client to `url` in place of the current one (whose unanswered commands fail). */
  #use(url: string): void {
    if (this.#closed) return;
    const old = this.#client;
    const c: LinkClient = createClient({
      url,
      // Fail fast while disconnected instead of buffering: a stale position is worthless and incidents have their own
      // queue in the producer.
      disableOfflineQueue: true,
      socket: { reconnectStrategy: backoff, connectTimeout: 5000 },
    });
    this.#client = c;
    this.#at = url;
    c.on('error', (err: Error) => {
      if (c !== this.#client) return;
      const reason = err.message || err.name;
      if (this.#state === 'up') this.#lost(reason);
      else if (this.#state === 'connecting' && !this.#warned) {
        this.#warned = true;
        this.#o.log(`redis: cannot reach ${redactUrl(url)} (${reason}); retrying`);
      }
    });
    c.on('ready', () => {
      if (c !== this.#client) return;
      this.#generation++;
      if (this.#state === 'down') this.#o.log(`redis: reconnected to ${redactUrl(url)} after ${((Date.now() - this.#downSince) / 1000).toFixed(1)} s`);
      else if (this.#state === 'connecting') this.#o.log(`redis: connected to ${redactUrl(url)}`);
      this.#state = 'up';
      this.#firstReady();
    });
    c.connect().catch(() => undefined); // errors are reported above; the client retries by itself
    old?.destroy();
  }

  /** On a Cluster: asks where the slot is and moves there if it moved (or if the connection stopped answering). */
  #check(): Promise<void> {
    this.#checking ??= (async () => {
      try {
        const master = await this.#lookup();
        if (this.#closed) return;
        if (master === this.#at && this.#client && !this.#stale) return;
        this.#stale = false;
        if (this.#client && master !== this.#at) {
          this.#o.log(`redis: the deployment's slot moved from ${redactUrl(this.#at)} to ${redactUrl(master)}; following it`);
          this.#lost('slot moved');
        }
        this.#use(master);
      } catch (err) {
        if (!this.#client && !this.#warned) {
          this.#warned = true;
          this.#o.log(`redis: cannot reach ${redactUrl(this.#o.url)} (${(err as Error).message}); retrying`);
        }
      } finally {
        this.#checking = undefined;
      }
    })();
    return this.#checking;
  }

  /** The URL of the slot's master: asked of the master in use while it answers, else of every node known. */
  async #lookup(): Promise<string> {
    const ask = async (c: LinkClient): Promise<string> => {
      if (!(await c.info('cluster')).includes('cluster_enabled:1')) return this.#at || this.#known[0]!; // one plain Redis
      return this.#pick(await c.clusterKeySlot(this.#o.clusterHashKey!), await c.clusterSlots());
    };
    if (this.#client?.isReady) {
      try {
        return await this.call(ask);
      } catch { /* ask the others */ }
    }
    let last = 'no answer';
    for (const url of this.#known) {
      const c = createClient({ url, socket: { connectTimeout: 1000, reconnectStrategy: false } });
      c.on('error', () => undefined);
      try {
        await c.connect();
        if (!(await c.info('cluster')).includes('cluster_enabled:1')) return url;
        return this.#pick(await c.clusterKeySlot(this.#o.clusterHashKey!), await c.clusterSlots());
      } catch (err) {
        last = `${redactUrl(url)}: ${(err as Error).message}`;
      } finally {
        if (c.isOpen) c.destroy();
      }
    }
    throw new Error(last);
  }

  #pick(slot: number, ranges: { from: number; to: number; master: { host: string; port: number } }[]): string {
    const auth = this.#credentials();
    const urlOf = (m: { host: string; port: number }): string => `${auth}${m.host}:${m.port}`;
    for (const r of ranges) {
      const url = urlOf(r.master);
      if (!this.#known.includes(url)) this.#known.push(url);
    }
    const owner = ranges.find((r) => slot >= r.from && slot <= r.to);
    if (!owner) throw new Error(`no master serves slot ${slot}`);
    return urlOf(owner.master);
  }

  /** The scheme, user and password of the first URL, for nodes learned from CLUSTER SLOTS (a Cluster shares its ACL). */
  #credentials(): string {
    try {
      const u = new URL(this.#known[0]!);
      return `${u.protocol}//${u.username || u.password ? `${u.username}${u.password ? `:${u.password}` : ''}@` : ''}`;
    } catch {
      return 'redis://';
    }
  }
}
