// Reads of the ETA accuracy counters (written by the dispatch commit, see eta-accuracy.ts) and the calibration
// the ranking applies. The only file that knows these keys besides the bucket names in eta-accuracy.ts.
import { EtaCalibrationSchema, compileChecker, type EtaCalibration } from '@ccr/shared';
import type { RedisClient } from '../../plugins/redis.js';
import type { Keyspace } from '../../plugins/keyspace.js';
import { etaDayBucket } from './eta-accuracy.js';

const checkCalibration = compileChecker(EtaCalibrationSchema);

export class EtaAccuracyRepository {
  private readonly calibrationKey: string;

  constructor(private readonly redis: RedisClient, private readonly ks: Keyspace) {
    this.calibrationKey = ks.eta.calibration;
  }

  /** The day hashes of these local days (missing days are empty), in one round trip. */
  async readDays(days: readonly string[]): Promise<Record<string, string>[]> {
    if (days.length === 0) return [];
    const m = this.redis.multi();
    for (const d of days) m.hGetAll(this.ks.stats.bucket(etaDayBucket(d)));
    return (await m.exec()) as unknown as Record<string, string>[];
  }

  /** The stored calibration; null when none was computed yet or what is stored is not one (it is recomputed). */
  async readCalibration(): Promise<EtaCalibration | null> {
    const raw = await this.redis.get(this.calibrationKey);
    if (!raw) return null;
    let parsed: unknown;
    try {
      parsed = JSON.parse(raw);
    } catch {
      return null;
    }
    return checkCalibration.check(parsed) ? parsed : null;
  }

  async writeCalibration(c: EtaCalibration): Promise<void> {
    await this.redis.set(this.calibrationKey, JSON.stringify(c));
  }
}
