// The community loops' settings, read once with the rest (config.ts): stage limits, the repeat window and the
// task catalogue. Refused settings stop the start with the reason, like every other setting.
import {
  DEFAULT_DISPUTE_LIMITS, DEFAULT_TASK_CATALOGUE, TaskCatalogueSchema, compileChecker, type DisputeLimits, type TaskCatalogue,
} from '@ccr/shared';

export interface CommunitySettings {
  limits: DisputeLimits;
  /** Same party or address within this long before → shown as a repeat (COMMUNITY_REPEAT_DAYS). */
  repeatWindowMs: number;
  /** Task categories and kinds (COMMUNITY_TASK_CATALOGUE, JSON; the seeded six categories by default). */
  catalogue: TaskCatalogue;
}

type IntReader = (env: NodeJS.ProcessEnv, name: string, fallback: number, min: number, max: number) => number;
const checkCatalogue = compileChecker(TaskCatalogueSchema);

function catalogue(raw: string | undefined): TaskCatalogue {
  if (raw === undefined || raw.trim() === '') return DEFAULT_TASK_CATALOGUE;
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch (err) {
    throw new Error(`配置错误 / bad setting COMMUNITY_TASK_CATALOGUE: not JSON (${(err as Error).message})`);
  }
  const checked = checkCatalogue.validate(parsed);
  if (!checked.ok) throw new Error(`配置错误 / bad setting COMMUNITY_TASK_CATALOGUE: ${checked.errors.join('; ')}`);
  const ids = checked.value.map((c) => c.id);
  if (new Set(ids).size !== ids.length) throw new Error('配置错误 / bad setting COMMUNITY_TASK_CATALOGUE: duplicate category id');
  for (const c of checked.value) {
    if (new Set(c.kinds.map((k) => k.id)).size !== c.kinds.length) throw new Error(`配置错误 / bad setting COMMUNITY_TASK_CATALOGUE: duplicate kind id in "${c.id}"`);
  }
  return checked.value;
}

export function loadCommunitySettings(env: NodeJS.ProcessEnv, int: IntReader): CommunitySettings {
  const h = 3_600_000;
  return {
    limits: {
      routeWithinMs: int(env, 'COMMUNITY_ROUTE_WITHIN_H', DEFAULT_DISPUTE_LIMITS.routeWithinMs / h, 1, 24 * 30) * h,
      sessionWithinMs: int(env, 'COMMUNITY_SESSION_WITHIN_H', DEFAULT_DISPUTE_LIMITS.sessionWithinMs / h, 1, 24 * 90) * h,
      followupWithinMs: int(env, 'COMMUNITY_FOLLOWUP_DAYS', DEFAULT_DISPUTE_LIMITS.followupWithinMs / (24 * h), 1, 90) * 24 * h,
    },
    repeatWindowMs: int(env, 'COMMUNITY_REPEAT_DAYS', 90, 1, 3650) * 24 * h,
    catalogue: catalogue(env.COMMUNITY_TASK_CATALOGUE),
  };
}

/** The key of repeat detection's party fingerprints: the deployment's device secret, else one per key prefix. The
 *  server and history seeding use the same, so seeded cases are found as repeats of live ones. */
export const fingerprintKeyOf = (deviceSecret: string | undefined, keyPrefix: string): string => deviceSecret ?? `ccr-party:${keyPrefix}`;
