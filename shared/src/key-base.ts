// The base every Redis name of a deployment starts with. Shared because the server's keyspace
// (server/src/plugins/keyspace.ts, the one place the server builds keys) and an ingest producer (the simulator)
// must agree on it to the byte: a producer's `{ccr}:in:incidents` must hash to the server's slot.

/** What a deployment's names are built from. */
export interface KeyspaceSettings {
  /** KEY_PREFIX: letters, digits and `_.:-` (the server's config refuses braces: the tag is added here). */
  keyPrefix: string;
  /** REDIS_CLUSTER: wrap the prefix in a hash tag so that every key of the deployment shares one slot. */
  cluster: boolean;
}

/**
 * The base every name starts with: KEY_PREFIX as it is, or on a Cluster the prefix as a hash tag (`ccr:` →
 * `{ccr}:`, `app` → `{app}`). An empty prefix has nothing to tag (`{}` is no tag to Redis): refused on a Cluster.
 */
export function keyBase(settings: KeyspaceSettings): string {
  const { keyPrefix, cluster } = settings;
  if (/[{}]/.test(keyPrefix)) throw new Error(`key prefix ${JSON.stringify(keyPrefix)} holds a brace: the keyspace adds the hash tag itself`);
  if (!cluster) return keyPrefix;
  if (keyPrefix.replaceAll(':', '') === '') throw new Error('a Redis Cluster needs a KEY_PREFIX to use as the hash tag');
  return keyPrefix.endsWith(':') ? `{${keyPrefix.slice(0, -1)}}:` : `{${keyPrefix}}`;
}
