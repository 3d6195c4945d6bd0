// Why a recommended unit ranks where it does, in the dispatcher's words: the server sends reason codes with
// parameters (shared/src/candidate-reasons.ts), the console renders them. The short chips sit under the unit's
// name; the full sentence (with the ETA basis and the calibration applied) is the row's tooltip.
import { type CandidateReason, type Locale } from '@ccr/shared';
import { tl } from '../../i18n';

/** 70 → 1′10″, 45 → 45″. */
export function clockSeconds(s: number): string {
  const m = Math.floor(s / 60);
  const r = Math.round(s % 60);
  return m > 0 ? `${m}′${String(r).padStart(2, '0')}″` : `${r}″`;
}

export interface ReasonChip { text: string; tone: 'good' | 'warn' | 'plain' }

/** Chips in the order a dispatcher weighs them: can they be in time, are they who the rule wants, are they local. */
export function reasonChips(reasons: readonly CandidateReason[], locale: Locale): ReasonChip[] {
  const chips: ReasonChip[] = [];
  const order: CandidateReason['code'][] = ['late', 'in_time', 'grid_officer', 'own_grid', 'role_preferred', 'fallback_in_time', 'role_fallback'];
  for (const code of order) {
    for (const r of reasons) {
      if (r.code !== code) continue;
      switch (r.code) {
        case 'in_time': chips.push({ text: tl('reason.inTime', locale), tone: 'good' }); break;
        case 'late': chips.push({ text: tl('reason.late', locale, { t: clockSeconds(r.params.seconds) }), tone: 'warn' }); break;
        case 'grid_officer': chips.push({ text: tl('reason.gridOfficer', locale), tone: 'good' }); break;
        case 'own_grid': chips.push({ text: tl('reason.ownGrid', locale), tone: 'good' }); break;
        case 'role_preferred': chips.push({ text: tl('reason.preferred', locale), tone: 'plain' }); break;
        case 'fallback_in_time': chips.push({ text: tl('reason.fallbackInTime', locale), tone: 'plain' }); break;
        case 'role_fallback': if (!reasons.some((x) => x.code === 'fallback_in_time')) chips.push({ text: tl('reason.fallback', locale), tone: 'plain' }); break;
        default: break;
      }
    }
  }
  return chips;
}

/** The whole reasoning as one sentence per reason. */
export function reasonSentence(reasons: readonly CandidateReason[], locale: Locale): string {
  const parts = reasons.map((r): string => {
    switch (r.code) {
      case 'eta': {
        const basis = tl(r.params.basis === 'road' ? 'reason.etaRoad' : 'reason.etaStraight', locale, { t: clockSeconds(r.params.seconds) });
        return r.params.calibration === 1 ? basis : `${basis}${tl('reason.calibrated', locale, { f: r.params.calibration.toFixed(2) })}`;
      }
      case 'in_time': return tl('reason.inTimeLong', locale, { t: clockSeconds(r.params.seconds), p: r.params.priority });
      case 'late': return tl('reason.lateLong', locale, { t: clockSeconds(r.params.seconds), p: r.params.priority });
      case 'role_preferred':
      case 'role_fallback':
        return tl(r.code === 'role_preferred' ? 'reason.preferredLong' : 'reason.fallbackLong', locale, {
          kind: tl(`label.unitKind.${r.params.kind}`, locale), type: tl(`label.incidentType.${r.params.type}`, locale),
        });
      case 'grid_officer': return tl('reason.gridOfficerLong', locale, { grid: r.params.gridId });
      case 'own_grid': return tl('reason.ownGridLong', locale, { grid: r.params.gridId });
      case 'fallback_in_time': return tl('reason.fallbackInTimeLong', locale);
    }
  });
  return parts.join(locale === 'en' ? '; ' : '；');
}
