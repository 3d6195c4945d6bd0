// unit:position — a unit without vehicle GPS (an officer on foot, a community officer) shares the phone's fix while
// on a job. The fix enters the same position ingest as every other (published on the positions channel, screened
// again there by the plausibility guard, applied latest-wins, framed to the screens); here it is first judged for
// this unit so the terminal is told why one is not used: a patrol car's or a fixed place's phone, a fix outside the
// area, too imprecise, or impossibly far from the unit's last fix (shared/src/terminal.ts). Refusals are counted.
import {
  PhonePositionSchema, ackError, compileChecker, judgePhoneFix, jurisdictionBox, type Jurisdiction, type PlausibilitySettings,
  type UnitKind,
} from '@ccr/shared';
import type { FastifyInstance } from 'fastify';
import type { Counter } from 'prom-client';
import { validatePositionMessage } from '../ingest/ingest-validation.js';
import type { IngestRepository } from '../ingest/ingest-repository.js';
import type { RejectLog } from '../ingest/reject-log.js';
import { deviceEvent, type DeviceAnswer } from '../delivery/device-event.js';

const checkPosition = compileChecker(PhonePositionSchema);

export function phonePositionHandler(app: FastifyInstance, deps: {
  ingest: IngestRepository; rejects: RejectLog; refused: Counter<'action' | 'reason'>; jurisdiction: Jurisdiction;
  settings: PlausibilitySettings; clockSkewMs: number;
}) {
  const kinds = new Map<string, UnitKind>(deps.jurisdiction.units.map((u) => [u.id, u.kind]));
  const area = jurisdictionBox(deps.jurisdiction);
  return deviceEvent(app, deps.refused, 'unit:position', checkPosition, async ({ unitId }, p): Promise<DeviceAnswer<{ accepted: true }>> => {
    const kind = kinds.get(unitId);
    if (!kind) return { ok: false, error: ackError('unknown_unit', { unitId }, `unit ${unitId} is not in the roster`) };
    // The same validation as the channel and the HTTP twin (time in range, clock ahead clamped).
    const v = validatePositionMessage({ parsed: { unitId, lng: p.lng, lat: p.lat, ts: p.ts, ...(p.speed !== undefined ? { speed: p.speed } : {}), ...(p.heading !== undefined ? { heading: p.heading } : {}) } }, Date.now(), deps.clockSkewMs);
    const fix = v.positions[0];
    if (!fix) {
      const r = v.rejections[0]!;
      deps.rejects.record('positions', r, { via: 'terminal' });
      return { ok: false, error: ackError('invalid_request', { path: 'unit:position', reason: r.detail.slice(0, 200) }, `position refused: ${r.reason}`) };
    }
    const [last] = await app.live.repo.readFixes([unitId]);
    const verdict = judgePhoneFix({ kind, fix, ...(p.accuracy !== undefined ? { accuracy: p.accuracy } : {}), last: last && last.ts <= Date.now() ? last : null, area, settings: deps.settings });
    if (!verdict.ok) {
      const { code } = verdict;
      if (code === 'position_not_tracked') return { ok: false, error: ackError(code, { unitId, kind }, `unit ${unitId} (${kind}) does not take phone positions`) };
      if (code === 'position_out_of_area') return { ok: false, error: ackError(code, { km: verdict.km }, `the fix is ${verdict.km} km outside the area`) };
      if (code === 'position_inaccurate') return { ok: false, error: ackError(code, { metres: verdict.metres, max: verdict.max }, `the fix is accurate to ${verdict.metres} m only`) };
      deps.rejects.record('positions', { reason: 'implausible_speed', detail: `${unitId} phone fix moved ${verdict.metres} m in ${verdict.seconds} s`, count: 1 }, { via: 'terminal' });
      return { ok: false, error: ackError(code, { metres: verdict.metres, seconds: verdict.seconds }, `the fix moved ${verdict.metres} m in ${verdict.seconds} s`) };
    }
    await deps.ingest.publishPositions(JSON.stringify([fix]));
    return { ok: true, data: { accepted: true } };
  }, { replicated: false }); // published, not stored: nothing for a replica to hold
}
