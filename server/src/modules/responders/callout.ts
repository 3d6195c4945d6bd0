// Call-out clocks: each tier a dispatcher calls out (dispatch's alert command tells us) starts a clock, each called
// unit gets a record, and its leader's answers on the terminal (callout:report: coming with how many people / can't,
// arrived, done) are applied once per report id onto the record Node planned from (callout-report.lua). The promise
// statistics (1分钟自救, 3分钟互助) are counted in the same write, by the day of the incident's first call-out.
import {
  CallOutRecordSchema, CallOutReportSchema, RING_MINUTES, ackError, compileChecker, localDay, nextCallOutState, summariseCallOut,
  type CallOut, type CallOutRecord, type CallOutReport, type CallOutStats, type CallOutUnit, type Jurisdiction, type RingMinutes,
} from '@ccr/shared';
import type { FastifyInstance } from 'fastify';
import type { Counter } from 'prom-client';
import { LuaScript } from '../../plugins/lua-script.js';
import type { RedisClient } from '../../plugins/redis.js';
import type { Keyspace } from '../../plugins/keyspace.js';
import { requestHash } from '../dispatch/dispatch-commands.js';
import type { CallOutCommitted } from '../dispatch/dispatch-routes.js';
import { deviceEvent, type DeviceAnswer } from '../delivery/device-event.js';

const lua = (name: string, file: string): LuaScript => LuaScript.fromFile(name, new URL(`./${file}.lua`, import.meta.url));
const OPEN = lua('callOutOpen', 'callout-open');
const REPORT = lua('callOutReport', 'callout-report');
const checkRecord = compileChecker(CallOutRecordSchema);
const checkReport = compileChecker(CallOutReportSchema);
/** A call-out's records are kept a week (the console shows them while the incident is open; the counts stay). */
const CALLOUT_TTL_MS = 7 * 86_400_000;
/** A report id is remembered a day, as dispatch command ids are. */
const REPORT_TTL_MS = 86_400_000;
const MAX_ATTEMPTS = 10;

export type ReportOutcome = { answer: CallOutReport['answer']; replayed?: true };

export class CallOuts {
  private readonly units: ReadonlyMap<string, { name: string; members: number }>;

  constructor(
    private readonly app: FastifyInstance,
    private readonly redis: RedisClient,
    private readonly ks: Keyspace,
    jurisdiction: Jurisdiction,
    private readonly timeZone: string,
  ) {
    this.units = new Map(jurisdiction.units.map((u) => [u.id, { name: u.name, members: u.members ?? 0 }]));
  }

  private key(incidentId: string): string { return this.ks.callout.incident(incidentId); }
  private dayKey(day: string): string { return this.ks.callout.day(day); }
  private reportKey(unitId: string, reportId: string): string { return this.ks.callout.report(unitId, reportId); }

  /** A tier was called out: its clock and its units' records (first writer wins). */
  async opened(e: CallOutCommitted): Promise<void> {
    const args: (string | number)[] = [e.at, e.ring, CALLOUT_TTL_MS];
    for (const unitId of e.unitIds) {
      const record: CallOutRecord = { tier: e.ring, alertedAt: e.at, members: this.units.get(unitId)?.members ?? 0 };
      args.push(unitId, JSON.stringify(record));
    }
    await OPEN.run(this.redis, [this.key(e.incidentId), this.dayKey(localDay(e.at, this.timeZone))], args);
  }

  /** A called unit's answer, applied once per report id. */
  async report(unitId: string, user: string, r: CallOutReport): Promise<DeviceAnswer<ReportOutcome>> {
    const key = this.key(r.incidentId);
    const { reportId, ...asked } = r;
    const bodyHash = requestHash('callout.report', unitId, asked);
    const params = { unitId, incidentId: r.incidentId };
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      const [raw, calledAtRaw] = await this.redis.hmGet(key, [`u:${unitId}`, 'calledAt']);
      const stored = raw ? checkRecord.validate(JSON.parse(raw)) : null;
      if (!raw || !stored?.ok || !calledAtRaw) {
        // A replay of an answer whose call-out has since expired still answers what it answered.
        const replay = await this.redis.hGet(this.reportKey(unitId, reportId), 'r');
        if (replay) return { ok: true, data: { answer: r.answer, replayed: true } };
        return { ok: false, error: ackError('not_called_out', params, `unit ${unitId} was not called out for incident ${r.incidentId}`) };
      }
      const now = Date.now();
      const next = nextCallOutState(stored.value, r, now);
      if (!next.ok) {
        if (await this.redis.exists(this.reportKey(unitId, reportId))) return { ok: true, data: { answer: r.answer, replayed: true } };
        const code = next.reason === 'not_coming' ? 'callout_not_coming' : next.reason === 'not_arrived' ? 'callout_not_arrived' : 'callout_already_arrived';
        await this.audit(user, unitId, r, 'refused', { reason: code });
        return { ok: false, error: ackError(code, params, `call-out answer "${r.answer}" refused: ${next.reason}`) };
      }
      const calledAt = Number(calledAtRaw);
      const arriving = stored.value.arrivedAt === undefined && next.record.arrivedAt !== undefined;
      const result = JSON.stringify({ answer: r.answer });
      const out = (await REPORT.run(this.redis, [key, this.reportKey(unitId, reportId), this.dayKey(localDay(calledAt, this.timeZone))], [
        unitId, raw, JSON.stringify(next.record), bodyHash, REPORT_TTL_MS, result, arriving ? '1' : '0', next.record.tier, now - calledAt,
      ])) as string[];
      if (out[0] === 'ok') {
        await this.audit(user, unitId, r, 'ok', { tier: next.record.tier, ...(next.record.people !== undefined ? { people: next.record.people } : {}) });
        return { ok: true, data: { answer: r.answer } };
      }
      if (out[0] === 'replay') return { ok: true, data: { answer: r.answer, replayed: true } };
      if (out[0] === 'reused') return { ok: false, error: ackError('command_id_reused', { commandId: reportId }, `report id ${reportId} was used for another answer`) };
      // 'changed': another answer of the unit landed meanwhile: plan again.
    }
    throw new Error('call-out report: too many concurrent changes');
  }

  private audit(user: string, unitId: string, r: CallOutReport, outcome: 'ok' | 'refused', detail: Record<string, unknown>): Promise<void> {
    return this.app.audit.record({
      user, role: 'device', action: `callout.${r.answer}`, target: `incident:${r.incidentId}`, outcome,
      detail: { unitId, reportId: r.reportId, ...(r.people !== undefined ? { people: r.people } : {}), ...(r.note ? { note: r.note } : {}), ...detail },
    });
  }

  /** The call-out of an incident as the console shows it: tiers against the 1-3-5 promise, each unit's answers. */
  async read(incidentId: string): Promise<CallOut> {
    const all = await this.redis.hGetAll(this.key(incidentId));
    const calledAt = all.calledAt ? Number(all.calledAt) : null;
    const tierCalls = new Map<RingMinutes, number>();
    for (const ring of RING_MINUTES) if (all[`t${ring}`]) tierCalls.set(ring, Number(all[`t${ring}`]));
    const units: CallOutUnit[] = [];
    for (const [field, raw] of Object.entries(all)) {
      if (!field.startsWith('u:')) continue;
      const unitId = field.slice(2);
      let parsed: unknown;
      try { parsed = JSON.parse(raw); } catch { continue; }
      const c = checkRecord.validate(parsed);
      if (!c.ok) {
        this.app.log.warn({ incidentId, unitId, errors: c.errors }, 'call-out record unreadable: left out');
        continue;
      }
      const info = this.units.get(unitId);
      units.push({ unitId, name: info?.name ?? unitId, ...c.value });
    }
    units.sort((a, b) => a.tier - b.tier || a.alertedAt - b.alertedAt || a.unitId.localeCompare(b.unitId));
    return { incidentId, calledAt, tiers: summariseCallOut(calledAt, tierCalls, units), units };
  }

  /** Call-outs and how many kept each promise over days [from, to] (at most 400 days: one HGETALL per day). */
  async stats(from: string, to: string): Promise<CallOutStats> {
    const days: string[] = [];
    for (let t = Date.parse(`${from}T12:00:00Z`); days.length < 400; t += 86_400_000) {
      const d = new Date(t).toISOString().slice(0, 10);
      if (d > to) break;
      days.push(d);
    }
    const multi = this.redis.multi();
    for (const d of days) multi.hmGet(this.dayKey(d), ['calledOut', 'selfHelpWithin1', 'mutualAidWithin3']);
    const rows = (await multi.exec()) as unknown as (string | null)[][];
    let calledOut = 0, selfHelp = 0, mutualAid = 0;
    for (const row of rows) {
      calledOut += Number(row[0] ?? 0);
      selfHelp += Number(row[1] ?? 0);
      mutualAid += Number(row[2] ?? 0);
    }
    const share = (n: number): number | null => (calledOut ? Math.round((n / calledOut) * 1_000) / 10 : null);
    return { from, to, calledOut, selfHelpWithin1: selfHelp, mutualAidWithin3: mutualAid, selfHelpShare: share(selfHelp), mutualAidShare: share(mutualAid) };
  }

  /** callout:report on the device channel. */
  handler(refused: Counter<'action' | 'reason'>) {
    return deviceEvent(this.app, refused, 'callout:report', checkReport, ({ unitId, user }, r) => this.report(unitId, user.username, r));
  }
}
