// A client of a Redis Cluster with the plain client's shape, for the testbed's producer: one test file speaks for
// several deployments at once (each server its own prefix, so its own hash tag and slot), so it cannot follow one
// tag as the server does (plugins/redis-cluster-route.ts). Each call goes to the master of the slot of the first
// hash-tagged name among its arguments (a key, a channel, a MATCH pattern, a script's keys); a call that names none
// (INFO, MULTI, WAIT) goes to the master of `home` (a deployment's base), or to the first master. Connecting,
// closing and listening reach every master.
//
// Why not node-redis's own cluster client: its commands take other shapes (sendCommand takes the key apart from
// the arguments, there is no scanIterator or KEYS across the cluster), so every test written against the plain
// client would need a cluster twin. The slot map is read once: the suites that run on it do not fail over (that is
// cluster.int.test.ts's, on the server's own route).
import calculateSlot from 'cluster-key-slot';
import { createClient } from 'redis';

type Client = ReturnType<typeof createClient>;

/** Methods that act on every master's connection (the first master's answer is returned). */
const EVERY_MASTER = new Set(['close', 'destroy', 'quit', 'disconnect', 'on', 'once', 'off', 'addListener', 'removeListener', 'scriptFlush', 'flushAll']);

/** A name with a non-empty hash tag, the part Redis hashes to find the slot. */
const TAGGED = /^[^{]*\{[^{}]+\}/;

function firstTagged(args: readonly unknown[]): string | undefined {
  for (const a of args) {
    if (typeof a === 'string' && TAGGED.test(a)) return a;
    if (Array.isArray(a)) {
      const inner = firstTagged(a);
      if (inner) return inner;
    } else if (a && typeof a === 'object' && !Buffer.isBuffer(a)) {
      const inner = firstTagged(Object.values(a));
      if (inner) return inner;
    }
  }
  return undefined;
}

/** A connected client of the cluster whose nodes `url` names (comma-separated); calls naming no tagged name go to
 *  the master of `home`'s slot. */
export async function connectClusterClient(url: string, home?: string): Promise<Client> {
  const probe = createClient({ url: url.split(',')[0]! });
  await probe.connect();
  const ranges = await probe.clusterSlots().finally(() => probe.destroy());
  const masters = new Map<string, Client>();
  const bySlot = ranges.map((r) => {
    const at = `redis://${r.master.host}:${r.master.port}`;
    if (!masters.has(at)) masters.set(at, createClient({ url: at }));
    return { from: r.from, to: r.to, client: masters.get(at)! };
  });
  const masterOf = (name: string): Client => {
    const slot = calculateSlot(name);
    const owner = bySlot.find((r) => slot >= r.from && slot <= r.to);
    if (!owner) throw new Error(`no master serves slot ${slot} (${name})`);
    return owner.client;
  };
  // `first` answers what names no key, and its answers are returned for what every master does.
  const first = home ? masterOf(home) : masters.values().next().value!;
  const all = [first, ...[...masters.values()].filter((c) => c !== first)];
  await Promise.all(all.map((c) => c.connect()));

  const route = (args: readonly unknown[]): Client => {
    const name = firstTagged(args);
    return name ? masterOf(name) : first;
  };
  const handle: Client = new Proxy(first, {
    get(_t, prop) {
      const v: unknown = Reflect.get(first, prop, first);
      if (typeof v !== 'function' || typeof prop !== 'string') return v;
      if (prop === 'connect') return async () => handle; // connected above
      if (EVERY_MASTER.has(prop)) {
        return (...args: unknown[]) => {
          const results = all.map((c) => (Reflect.get(c, prop) as (...a: unknown[]) => unknown).apply(c, args));
          if (results[0] === first) return handle; // a listener was added: chainable
          return results.some((r) => r instanceof Promise) ? Promise.all(results).then((r) => r[0]) : results[0];
        };
      }
      return (...args: unknown[]) => {
        const c = route(args);
        return (Reflect.get(c, prop) as (...a: unknown[]) => unknown).apply(c, args);
      };
    },
  });
  return handle;
}
