// How the community team behaves in the demo: who mediates, how sessions end, how parties feel at the 回访, which
// tasks are ordered and how officers report back. Pure decisions from a random stream, shared by the history
// (pnpm seed:history) and the live simulator (auto-community.ts, devices.ts) so the demo continues its history.
//
// The rates are the articles' order of magnitude (../shared/seeds): 85–98 % of mediations succeed, "90 % resolved
// at grassroots" (most at tier 1, the 警务室), standard tasks completed on time ~99 %.
import type {
  DisputeCategory, MediationTier, OpenDisputeRequest, OrderTaskRequest, Satisfaction, SessionResult, TaskCatalogue, TaskNotice, TaskRequires,
} from '../index.js';
import { GIVEN_NAMES, SURNAMES } from './place-names.js';
import type { Rng } from './prng.js';

/** Where a case is first routed: 警务室 mostly, the community team for harder ones, the mediation centre rarely. */
export function pickTier(rng: Rng, mayEscalate: boolean): MediationTier {
  const x = rng.next();
  if (mayEscalate) return x < 0.45 ? 1 : x < 0.85 ? 2 : 3;
  return x < 0.8 ? 1 : x < 0.96 ? 2 : 3;
}

/** One session's result at a tier: success most of the time, sometimes failed, now and then sent up a tier. */
export function sessionResult(rng: Rng, tier: MediationTier): SessionResult {
  const x = rng.next();
  const success = tier === 1 ? 0.8 : tier === 2 ? 0.78 : 0.86;
  if (x < success) return 'success';
  if (tier < 3 && x < success + 0.07) return 'escalate';
  return 'failed';
}

/** After a failed session: another session (most), or the case is closed with a reason. */
export const tryAgainAfterFailure = (rng: Rng, failures: number): boolean => failures < 3 && rng.chance(0.55);
export const GIVE_UP_REASONS = ['调解不成，已引导当事人诉讼解决', '当事人撤回调解申请', '移交司法所处理'] as const;

export function satisfactionAt(rng: Rng): Satisfaction {
  const x = rng.next();
  return x < 0.83 ? 'satisfied' : x < 0.97 ? 'basic' : 'dissatisfied';
}
/** The 回访 finds the dispute back: rare, more so when the party is not satisfied. */
export const recurredAt = (rng: Rng, s: Satisfaction): boolean => rng.chance(s === 'dissatisfied' ? 0.3 : 0.015);

const CATEGORY_WORDS: [RegExp, DisputeCategory][] = [
  [/邻里|噪音|停车|楼上|漏水/, 'neighbour'], [/家庭|夫妻|婚姻|赡养/, 'family'], [/劳资|工资|工人/, 'labour'],
  [/买卖|商户|顾客|经济|欠款/, 'business'], [/土地|承包|宅基地|房产|物业/, 'land_property'],
];
export function categoryOf(text: string): DisputeCategory {
  return CATEGORY_WORDS.find(([re]) => re.test(text))?.[1] ?? 'other';
}

const SUMMARIES: Record<DisputeCategory, readonly string[]> = {
  neighbour: ['楼上漏水损坏楼下装修，双方就赔偿争执', '邻里因噪音长期不和', '因车位占用发生口角', '共用楼道堆放杂物引发矛盾'],
  family: ['夫妻因家务琐事长期争吵', '子女间就老人赡养费分摊产生分歧', '婚后财产分配纠纷'],
  labour: ['工人讨要拖欠工资三个月', '工伤赔偿数额争议', '装修工人与雇主就工钱争执'],
  business: ['顾客与商户就退货争执', '合伙经营分红纠纷', '借款到期未还引发纠纷'],
  land_property: ['宅基地边界争议', '土地承包合同纠纷', '业主与物业就收费争执'],
  other: ['宠物伤人赔偿纠纷', '交通剐蹭赔偿未谈拢', '网购代收包裹丢失纠纷'],
};
export const summaryFor = (rng: Rng, category: DisputeCategory): string => rng.pick(SUMMARIES[category]);
export const personName = (rng: Rng): string => `${rng.pick(SURNAMES)}${rng.pick(GIVEN_NAMES)}`;
export const phoneNumber = (rng: Rng): string => `1${rng.pick(['3', '5', '7', '8', '9'])}${String(rng.int(0, 999_999_999)).padStart(9, '0')}`;

/** Instructions per task kind (what a leader writes when ordering it). */
const INSTRUCTIONS: Record<string, string> = {
  household_visit: '入户走访辖区住户，登记家庭人口变化并宣传安全防范',
  elderly_visit: '走访辖区独居老人，了解生活情况，留下联系方式',
  shop_visit: '走访沿街商户，核对从业人员信息，提示防盗防骗',
  fire_hazard: '排查辖区九小场所消防隐患，发现问题当场督促整改',
  rental_check: '排查出租屋，核对承租人信息，落实房东责任',
  ebike_charging: '排查楼道电动车违规充电，劝导整改',
  fraud_talk: '开展反诈宣讲，讲解近期高发诈骗手法',
  app_install: '推广国家反诈中心APP，指导群众安装注册',
  fraud_warning: '对预警名单人员当面劝阻回访',
  key_person_check: '对辖区重点人员开展见面核查，掌握近期动态',
  mental_health: '核查肇事肇祸精神障碍患者服药及监护情况',
  clue_check: '核实群众反映线索，反馈核实结果',
  video_alert_check: '核实AI视频预警事件，反馈现场情况',
  school_gate: '上下学时段护学岗，维护校门口秩序',
  place_patrol: '对重点部位开展巡逻，登记巡查点位',
  market_patrol: '集市日巡逻，防范盗窃扒窃',
};
export const instructionsFor = (kind: string, fallback: string): string => INSTRUCTIONS[kind] ?? fallback;

/** A task order a leader would give: kind from the catalogue, whom (one officer, or every grid), what the feedback
 *  must carry and when it is due (hours after the order, before the evening for short ones). */
export function orderFor(rng: Rng, catalogue: TaskCatalogue, at: number, who: { unitIds: readonly string[]; gridOfficers: readonly string[] }): Omit<OrderTaskRequest, 'commandId'> {
  const category = rng.weighted(catalogue, (c) => ({ visit: 4, hazard: 3, anti_fraud: 3, key_person: 2, clue: 2, patrol: 3 }[c.id] ?? 1));
  const kind = rng.pick(category.kinds);
  const everyGrid = rng.chance(['visit', 'anti_fraud', 'hazard'].includes(category.id) ? 0.12 : 0.03);
  const target: OrderTaskRequest['target'] = everyGrid || who.unitIds.length === 0
    ? { kind: 'all_grids' }
    : { kind: 'unit', unitId: rng.chance(0.8) && who.gridOfficers.length > 0 ? rng.pick(who.gridOfficers) : rng.pick(who.unitIds) };
  const hours = everyGrid ? rng.int(24, 72) : category.id === 'clue' ? rng.int(2, 8) : rng.int(4, 48);
  const requires: TaskRequires = { text: true, count: kind.countLabel !== undefined, location: category.id === 'clue' || category.id === 'patrol' };
  return { target, category: category.id, kind: kind.id, instructions: instructionsFor(kind.id, kind.zh), dueAt: at + hours * 3_600_000, requires };
}

/** When the officer reports back, as a share of the time from the order to the due time: usually well inside it,
 *  ~1.5 % after it (late). */
export const feedbackShare = (rng: Rng): number => (rng.chance(0.015) ? rng.float(1.02, 1.6) : rng.float(0.25, 0.95));
/** The supervisor returns ~4 % of feedback for rework. */
export const returnForRework = (rng: Rng): boolean => rng.chance(0.04);
export const REWORK_REASONS = ['缺少现场照片，请补充', '走访户数与登记不符，请核实', '反馈过于简略，请补充具体情况'] as const;

export function feedbackFor(rng: Rng, requires: TaskRequires, where: { lng: number; lat: number }): { text?: string; count?: number; location?: { lng: number; lat: number } } {
  return {
    ...(requires.text ? { text: rng.pick(['已按要求完成', '已完成，未发现异常', '已完成，发现问题已督促整改', '已完成，情况已登记']) } : {}),
    ...(requires.count ? { count: rng.int(3, 60) } : {}),
    ...(requires.location ? { location: { lng: Number((where.lng + rng.float(-0.002, 0.002)).toFixed(6)), lat: Number((where.lat + rng.float(-0.002, 0.002)).toFixed(6)) } } : {}),
  };
}

const MINUTE = 60_000;
/** Log-normal around a median (spread sigma): most near it, a few far longer. */
export function logNormal(rng: Rng, median: number, sigma: number): number {
  const u = Math.max(1e-12, rng.next());
  return median * Math.exp(sigma * Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rng.next()));
}

/** What an officer's terminal does with a task told to it (devices.ts onTask): accept within minutes (simulated),
 *  report back at a share of the time left before the due time (feedbackShare: ~1.5 % late), or, returned for
 *  rework, report again within the hour. Real milliseconds: simulated time ÷ timeScale; due times are real. */
export function officerAnswers(rng: Rng, timeScale: number, home: (unitId: string) => { lng: number; lat: number }) {
  return (n: TaskNotice): { acceptAfterMs?: number; feedbackAfterMs: number; feedback: () => ReturnType<typeof feedbackFor> } => {
    const left = Math.max(MINUTE, n.task.dueAt - Date.now());
    const cap = (ms: number): number => Math.min(2 ** 31 - 1, Math.round(ms));
    const feedback = () => feedbackFor(rng, n.task.requires, home(n.unitId));
    if (n.reason === 'returned') return { feedbackAfterMs: cap(Math.max(5_000, logNormal(rng, 30 * MINUTE, 0.5) / timeScale)), feedback };
    const acceptAfterMs = cap(Math.max(2_000, logNormal(rng, 5 * MINUTE, 0.6) / timeScale));
    return { acceptAfterMs, feedbackAfterMs: cap(Math.max(acceptAfterMs + 2_000, left * feedbackShare(rng))), feedback };
  };
}

/** 转矛盾纠纷: the case a dispatcher opens from a dispute incident as it is closed (without the command id). */
export function disputeFromIncident(rng: Rng, incident: { id: string; priority: number; summary?: string }): Omit<OpenDisputeRequest, 'commandId'> {
  const category = categoryOf(incident.summary ?? '');
  const mayEscalate = rng.chance(incident.priority === 1 ? 0.6 : 0.07);
  return {
    source: 'incident', incidentId: incident.id, category,
    parties: [{ name: personName(rng), phone: phoneNumber(rng), role: 'applicant' }, { name: personName(rng), role: 'respondent' }],
    riskLevel: mayEscalate ? 'high' : rng.pick(['low', 'low', 'medium'] as const), mayEscalate, summary: incident.summary?.slice(0, 200) || summaryFor(rng, category),
  };
}
