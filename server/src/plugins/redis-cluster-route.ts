// Connections to a Redis Cluster for a deployment whose every key shares one hash tag (keyspace.ts): all of them
// live in one slot, so one master serves every command, script and MULTI of the deployment. Each connection is a
// plain node-redis client to that master, behind a stable handle (the RedisClient every repository holds); when
// the slot moves (the master failed and its replica took over, or a resharding), each handle is moved to the new
// master: a new client, its event listeners and SUBSCRIBEs replayed, the old one destroyed.
//
// Why not node-redis's cluster client (createCluster): it is another type (every repository, script wrapper and
// MULTI is written against the plain client), it shares one client per node between callers (a blocking
// XREADGROUP or a SUBSCRIBE needs a connection of its own), and its `nodeClient(getSlotMaster(slot))` hands out a
// client it replaces by itself on rediscovery, which a holder would never hear of. With one slot, the cluster
// client's routing buys nothing; what is needed is to find the slot's master and to follow it, which is this file.
//
// Finding the master: CLUSTER KEYSLOT and CLUSTER SLOTS asked of the current master (while it answers) or of any
// node named in REDIS_URL or learned from an earlier answer. Asked every second; a failover is seen within about
// cluster-node-timeout + one second. Pub/sub: on a Cluster a classic PUBLISH reaches every node's subscribers, so
// subscribers on the slot's master hear every publisher of the deployment.
import { createClient } from 'redis';
import type { FastifyBaseLogger } from 'fastify';
import type { RedisClient } from './redis.js';

const POLL_MS = 1_000;
const SUBSCRIBE_METHODS = new Set(['subscribe', 'SUBSCRIBE', 'pSubscribe', 'PSUBSCRIBE']);
const LISTEN_METHODS = new Set(['on', 'once', 'addListener']);
const CLOSE_METHODS = new Set(['close', 'destroy', 'quit', 'disconnect', 'QUIT']);

type Open = (url: string, name: string) => RedisClient;

/** One logical connection: a handle whose client is swapped when the slot's master changes. */
class Rerouted {
  readonly handle: RedisClient;
  #client: RedisClient;
  #closed = false;
  #moving: Promise<void> = Promise.resolve();
  readonly #subs: { method: string; args: unknown[] }[] = [];
  readonly #listeners: { method: string; args: unknown[] }[] = [];

  constructor(client: RedisClient, readonly name: string, private readonly route: TagRoute) {
    this.#client = client;
    this.handle = new Proxy(client, {
      get: (_t, prop) => {
        const c = this.#client;
        if (typeof prop === 'string' && SUBSCRIBE_METHODS.has(prop)) {
          return async (...args: unknown[]) => {
            const r: unknown = await (Reflect.get(c, prop) as (...a: unknown[]) => Promise<unknown>).apply(c, args);
            this.#subs.push({ method: prop, args });
            return r;
          };
        }
        if (typeof prop === 'string' && LISTEN_METHODS.has(prop)) {
          return (...args: unknown[]) => {
            this.#listeners.push({ method: prop, args });
            (Reflect.get(c, prop) as (...a: unknown[]) => unknown).apply(c, args);
            return this.handle;
          };
        }
        if (typeof prop === 'string' && CLOSE_METHODS.has(prop)) {
          return (...args: unknown[]) => {
            this.#closed = true;
            this.route.forget(this);
            return (Reflect.get(c, prop) as (...a: unknown[]) => unknown).apply(c, args);
          };
        }
        const v: unknown = Reflect.get(c, prop, c);
        return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(c) : v;
      },
    });
  }

  get closed(): boolean { return this.#closed; }

  /** Moves to the client `open` gives for `url` (serialised: one move at a time). */
  moveTo(url: string, open: Open): Promise<void> {
    this.#moving = this.#moving.then(async () => {
      if (this.#closed) return;
      const next = open(url, this.name);
      for (const l of this.#listeners) (Reflect.get(next, l.method) as (...a: unknown[]) => unknown).apply(next, l.args);
      await next.connect();
      for (const s of this.#subs) await (Reflect.get(next, s.method) as (...a: unknown[]) => Promise<unknown>).apply(next, s.args);
      const old = this.#client;
      this.#client = next;
      if (this.#closed) { next.destroy(); return; }
      // Commands still waiting on the old master fail (their callers retry or answer 503); new ones go to `next`.
      if (old.isOpen) old.destroy();
    }).catch(() => undefined);
    return this.#moving;
  }

  /** The client under the handle now. */
  get client(): RedisClient { return this.#client; }
}

/** Finds and follows the master of the slot that `hashKey` (the deployment's tag) hashes to. */
export class TagRoute {
  #master = '';
  readonly #known: string[];
  readonly #conns = new Set<Rerouted>();
  #timer: NodeJS.Timeout | undefined;
  #checking = false;
  #lookupFailing = false;

  constructor(seeds: string[], readonly hashKey: string, private readonly open: Open, private readonly log: FastifyBaseLogger) {
    this.#known = [...new Set(seeds.map((s) => s.trim()).filter(Boolean))];
    if (this.#known.length === 0) throw new Error('REDIS_URL names no cluster node');
  }

  /** The URL of the slot's master as last seen. */
  get master(): string { return this.#master; }

  async start(): Promise<void> {
    if (await this.#standalone()) {
      // Tagged names on a Redis without cluster mode (a test bed, or names tagged ahead of a move to Cluster):
      // nothing to find or follow.
      this.#master = this.#known[0]!;
      this.log.info({ url: this.#master }, 'redis cluster: REDIS_CLUSTER is set but this Redis is not in cluster mode; using it as one node');
      return;
    }
    this.#master = await this.#lookup();
    this.log.info({ master: this.#master, hashKey: this.hashKey }, 'redis cluster: the deployment\'s slot is served by this master');
    this.#timer = setInterval(() => void this.check(), POLL_MS);
    this.#timer.unref();
  }

  stop(): void { clearInterval(this.#timer); }

  /** A new connection to the slot's master that follows it. */
  async connection(name: string): Promise<RedisClient> {
    const client = this.open(this.#master, name);
    await client.connect();
    const r = new Rerouted(client, name, this);
    this.#conns.add(r);
    return r.handle;
  }

  forget(r: Rerouted): void { this.#conns.delete(r); }

  /** Asks where the slot is served now and moves every connection there if it moved. */
  async check(): Promise<void> {
    if (this.#checking) return;
    this.#checking = true;
    try {
      const master = await this.#lookup();
      this.#lookupFailing = false;
      if (master === this.#master) return;
      this.log.warn({ from: this.#master, to: master, hashKey: this.hashKey }, 'redis cluster: the deployment\'s slot moved to another master; moving every connection');
      this.#master = master;
      await Promise.all([...this.#conns].map((c) => c.moveTo(master, this.open)));
    } catch (err) {
      if (!this.#lookupFailing) this.log.error({ err: (err as Error).message }, 'redis cluster: no node said where the deployment\'s slot is');
      this.#lookupFailing = true;
    } finally {
      this.#checking = false;
    }
  }

  /** Whether the first node that answers says it is not in cluster mode. */
  async #standalone(): Promise<boolean> {
    for (const url of this.#known) {
      const c = createClient({ url, socket: { connectTimeout: 1_000, reconnectStrategy: false } });
      c.on('error', () => undefined);
      try {
        await c.connect();
      } catch {
        continue;
      }
      try {
        return !(await c.info('cluster')).includes('cluster_enabled:1');
      } finally {
        c.destroy();
      }
    }
    return false; // none answers: #lookup says so
  }

  async #lookup(): Promise<string> {
    // The current master first, over a connection that is up anyway; then every node known, each on a short one.
    const up = [...this.#conns].find((c) => c.client.isReady)?.client;
    if (up) {
      try {
        return this.#pick(await up.clusterKeySlot(this.hashKey), await up.clusterSlots());
      } catch { /* ask the others */ }
    }
    let last = 'no answer';
    for (const url of this.#known) {
      const c = createClient({ url, socket: { connectTimeout: 1_000, reconnectStrategy: false } });
      c.on('error', () => undefined);
      try {
        await c.connect();
        return this.#pick(await c.clusterKeySlot(this.hashKey), await c.clusterSlots());
      } catch (err) {
        last = `${url}: ${(err as Error).message}`; // the next node
      } finally {
        if (c.isOpen) c.destroy();
      }
    }
    throw new Error(`no node of the Redis Cluster said where slot of ${this.hashKey} is (last: ${last})`);
  }

  #pick(slot: number, ranges: { from: number; to: number; master: { host: string; port: number } }[]): string {
    for (const r of ranges) {
      const url = `redis://${r.master.host}:${r.master.port}`;
      if (!this.#known.includes(url)) this.#known.push(url);
    }
    const owner = ranges.find((r) => slot >= r.from && slot <= r.to);
    if (!owner) throw new Error(`no master serves slot ${slot}`);
    return `redis://${owner.master.host}:${owner.master.port}`;
  }
}
