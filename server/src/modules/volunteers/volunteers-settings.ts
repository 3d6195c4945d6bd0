// 群防群治 settings, read once with the rest (config.ts): the public clue channel's limits and the school-gate
// posts' peak windows. A refused setting stops the start with the reason.
import { parseWindow } from '@ccr/shared';

export interface VolunteerSettings {
  publicClues: {
    /** PUBLIC_CLUES_PER_ADDRESS_H: clues one address may send an hour. */
    perAddressPerHour: number;
    /** PUBLIC_CLUES_PER_PHONE_DAY: clues one phone number may send a day. */
    perPhonePerDay: number;
    /** PUBLIC_CLUE_DUPLICATE_MIN: the same text again within this long is refused. */
    duplicateWindowMs: number;
  };
  /** GUARD_MORNING / GUARD_AFTERNOON: local "HH:MM-HH:MM" windows in which a 护学岗 post checks in. */
  guardWindows: { morning: string; afternoon: string };
}

type IntReader = (env: NodeJS.ProcessEnv, name: string, fallback: number, min: number, max: number) => number;

function windowSetting(env: NodeJS.ProcessEnv, name: string, fallback: string): string {
  const v = env[name]?.trim() || fallback;
  let ends: [number, number];
  try {
    ends = parseWindow(v);
  } catch {
    throw new Error(`配置错误 / bad setting ${name}: expected HH:MM-HH:MM, got ${JSON.stringify(v)}`);
  }
  if (ends[0] >= ends[1] || ends[0] >= 24 * 60 || ends[1] >= 24 * 60) throw new Error(`配置错误 / bad setting ${name}: ${v} must start before it ends, within one day`);
  return v;
}

export function loadVolunteerSettings(env: NodeJS.ProcessEnv, int: IntReader): VolunteerSettings {
  return {
    publicClues: {
      perAddressPerHour: int(env, 'PUBLIC_CLUES_PER_ADDRESS_H', 5, 1, 10_000),
      perPhonePerDay: int(env, 'PUBLIC_CLUES_PER_PHONE_DAY', 5, 1, 10_000),
      duplicateWindowMs: int(env, 'PUBLIC_CLUE_DUPLICATE_MIN', 60, 1, 7 * 24 * 60) * 60_000,
    },
    guardWindows: { morning: windowSetting(env, 'GUARD_MORNING', '07:10-08:00'), afternoon: windowSetting(env, 'GUARD_AFTERNOON', '16:20-17:30') },
  };
}
