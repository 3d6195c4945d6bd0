// A command's writes as one packed plan, committed atomically by plan-commit.lua (its header says what a plan holds):
// the community loops and the volunteers' clues and searches build one with PackedPlan, add what they change, and
// commit it. KEYS are collected once each and named by index, so the script builds no key and is given every key it
// touches.
import { LuaScript } from './lua-script.js';
import type { RedisClient } from './redis.js';

export const COMMIT_PLAN = LuaScript.fromFile('commitPlan', new URL('./plan-commit.lua', import.meta.url));

export type CommitOutcome = { kind: 'ok'; result: string } | { kind: 'replay' } | { kind: 'changed'; key: string };

/** The plan's fixed fields (see plan-commit.lua): the command record and the event stream. */
export interface PlanHeader {
  /** The command to record (and answer again on a replay); none for writes that are not commands. */
  command?: { id: string; bodyHash: string } | undefined;
  now: number;
  eventsMaxLen: number;
  commandTtlMs: number;
  /** The command's answer (JSON), stored in its record. */
  result: string;
}

export class PackedPlan {
  readonly keys: string[] = [];
  private readonly index = new Map<string, number>();
  readonly expect: string[][] = [];
  readonly set: string[][] = [];
  readonly zadd: string[][] = [];
  readonly zrem: string[][] = [];
  readonly hincr: string[][] = [];
  readonly hset: string[][] = [];
  readonly hdel: string[][] = [];
  readonly pexpire: string[][] = [];
  readonly publish: string[][] = [];
  readonly events: string[] = [];

  /** KEYS 1 and 2 are the live event stream and the command's record (a placeholder when there is no command). */
  constructor(eventsKey: string, commandKey: string, private readonly header: PlanHeader) {
    this.at(eventsKey);
    this.at(commandKey);
  }

  /** The index (1-based, as a string) of `key` among the plan's KEYS, adding it the first time. */
  at(key: string): string {
    let i = this.index.get(key);
    if (i === undefined) {
      this.keys.push(key);
      i = this.keys.length;
      this.index.set(key, i);
    }
    return String(i);
  }

  /** ARGV[1]: every number as a string, so cjson rounds nothing. */
  pack(): string {
    const h = this.header;
    return JSON.stringify({
      cmd: h.command ? '1' : '0', bodyHash: h.command?.bodyHash ?? '', now: String(h.now), maxlen: String(h.eventsMaxLen), ttl: String(h.commandTtlMs),
      expect: this.expect, set: this.set, zadd: this.zadd, zrem: this.zrem, hincr: this.hincr, hset: this.hset, hdel: this.hdel,
      pexpire: this.pexpire, publish: this.publish, events: this.events, result: h.result,
    });
  }

  async commit(redis: RedisClient): Promise<CommitOutcome> {
    const r = (await COMMIT_PLAN.run(redis, this.keys, [this.pack()])) as string[];
    if (r[0] === 'ok') return { kind: 'ok', result: r[1]! };
    if (r[0] === 'replay') return { kind: 'replay' };
    return { kind: 'changed', key: this.keys[Number(r[1]) - 1] ?? '' };
  }
}
