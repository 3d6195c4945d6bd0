// Reads for recommendations: bounded GEO searches on the live GEO set and the units they find. Adds no keys of
// its own; the live keys belong to live-repository.ts.
import type { LiveUnit } from '@ccr/shared';
import type { RedisClient } from '../../plugins/redis.js';
import type { LiveRepository } from '../live/live-repository.js';

export interface GeoHit {
  unitId: string;
  /** Redis's own distance (its Earth radius differs from ours by 0.03 %): used only to bound searches. */
  redisMeters: number;
}

const GEO_MAX_LAT = 85.05112878;

export class RecommendationRepository {
  constructor(private readonly redis: RedisClient, private readonly live: LiveRepository) {}

  /** The nearest `count` units within `radiusMeters` of a point, nearest first (every search is bounded). */
  async nearby(lng: number, lat: number, radiusMeters: number, count: number): Promise<GeoHit[]> {
    // Redis GEO cannot search from beyond ±85.05° (and indexes nothing there): no unit is near such a point.
    if (Math.abs(lat) > GEO_MAX_LAT) return [];
    const reply = (await this.redis.sendCommand([
      'GEOSEARCH', this.live.keys.geo, 'FROMLONLAT', String(lng), String(lat),
      'BYRADIUS', String(radiusMeters), 'm', 'ASC', 'COUNT', String(count), 'WITHDIST',
    ])) as [string, string][];
    return reply.map(([unitId, d]) => ({ unitId, redisMeters: Number(d) }));
  }

  /** The live units with these ids (ids that vanished from the roster meanwhile are left out), in one round trip. */
  async units(ids: readonly string[]): Promise<LiveUnit[]> {
    return this.live.readUnitsByIds(ids);
  }
}
