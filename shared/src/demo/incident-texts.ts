// What simulated incidents say and how they are distributed: the type mix of a town station, when in the
// day each happens, who reports it and how urgent it is. Each summary carries its own priority odds, so
// "有人受伤" is urgent and "咨询户籍业务" never is.
import { parseDayKey, type IncidentSource, type IncidentType } from '../index.js';

/** Weight of each priority 1, 2, 3. */
export type PriorityOdds = readonly [p1: number, p2: number, p3: number];

export interface SummaryTemplate {
  text: string;
  priority: PriorityOdds;
  /** How common this summary is within its type (default 1); the dramatic ones are rarer. */
  weight?: number;
}

/**
 * Incidents per hour of day (local time) for an ordinary day: quiet 2–6 am, a late-morning peak and a
 * higher evening peak. Mean ≈ 3.5/h, ≈ 85 a day.
 */
export const HOURLY_INCIDENT_RATE: readonly number[] = [
  1.8, 1.2, 0.7, 0.5, 0.5, 0.8, 1.6, 2.8, 3.8, 4.6, 5.4, 5.6, 4.7, 4.1, 4.3, 4.6, 4.9, 5.3, 5.7, 6.0, 5.6, 4.6, 3.4, 2.5,
];

/** Incidents on an ordinary day (the profile's sum), before dayRateFactor. */
export const INCIDENTS_PER_DAY = HOURLY_INCIDENT_RATE.reduce((s, r) => s + r, 0);

/** A northern-China town: busier summer evenings, a quieter deep winter and Spring Festival. Index = month − 1. */
const SEASON = [0.85, 0.8, 0.9, 0.95, 1.0, 1.1, 1.2, 1.2, 1.05, 1.0, 0.95, 0.9];
/** Monday … Sunday: Friday and Saturday nights carry the most. */
const WEEKDAY = [0.95, 0.93, 0.95, 0.97, 1.08, 1.12, 1.0];
/** Year-on-year: about 8 % fewer incidents each year (grid policing works). */
export const TREND_PER_YEAR = 0.92;
export const TREND_EPOCH = Date.UTC(2026, 0, 1);

/**
 * How busy a local day (YYYY-MM-DD) is against an ordinary one: season × weekday × the year-on-year trend. The
 * seeded history and the live simulator both scale by it, so the demo's own incidents arrive at the history's rate
 * (today's 今日 figures continue the trend instead of jumping).
 */
export function dayRateFactor(day: string): number {
  const { year, month, day: d } = parseDayKey(day);
  const weekday = (new Date(Date.UTC(year, month - 1, d)).getUTCDay() + 6) % 7;
  const years = (Date.UTC(year, month - 1, d) - TREND_EPOCH) / (365.25 * 86_400_000);
  return SEASON[month - 1]! * WEEKDAY[weekday]! * TREND_PER_YEAR ** years;
}

/** The live simulator's mean incidents per hour on a local day: the seeded history's rate for that day. */
export const liveIncidentsPerHour = (day: string): number => (INCIDENTS_PER_DAY / 24) * dayRateFactor(day);

/** Share of each type over a day in a town (disputes and traffic lead; missing persons are rare). */
export const TYPE_WEIGHTS: Readonly<Record<IncidentType, number>> = {
  dispute: 22, traffic: 18, theft: 14, help: 14, fraud: 8, public_order: 8, fight: 5, hazard: 4, missing_person: 2, other: 5,
};

/** How the type mix shifts with the hour: fights and disorder at night, traffic at rush hours, fraud by day. */
export function typeHourFactor(type: IncidentType, hour: number): number {
  const night = hour >= 20 || hour < 3;
  const working = hour >= 9 && hour < 18;
  const rush = (hour >= 7 && hour < 9) || (hour >= 17 && hour < 19);
  switch (type) {
    case 'fight':
    case 'public_order':
      return night ? 2.2 : working ? 0.6 : 1;
    case 'traffic':
      return rush ? 1.7 : hour < 6 ? 0.5 : 1;
    case 'fraud':
      return working ? 1.4 : hour < 7 ? 0.3 : 0.8;
    case 'missing_person':
      return hour >= 16 && hour < 22 ? 1.6 : 1;
    case 'theft':
      return hour < 6 ? 1.4 : 1;
    default:
      return 1;
  }
}

/** Where each type is reported from: most by 110, AI cameras for traffic and disorder, fraud online and at the desk. */
export const SOURCE_WEIGHTS: Readonly<Record<IncidentType, Readonly<Record<IncidentSource, number>>>> = {
  theft: { '110': 60, video_ai: 10, patrol: 6, online: 8, volunteer: 6, walk_in: 10 },
  fraud: { '110': 55, video_ai: 0, patrol: 0, online: 25, volunteer: 2, walk_in: 18 },
  fight: { '110': 65, video_ai: 18, patrol: 10, online: 1, volunteer: 5, walk_in: 1 },
  public_order: { '110': 45, video_ai: 25, patrol: 18, online: 5, volunteer: 6, walk_in: 1 },
  dispute: { '110': 60, video_ai: 2, patrol: 6, online: 14, volunteer: 8, walk_in: 10 },
  missing_person: { '110': 70, video_ai: 5, patrol: 5, online: 5, volunteer: 10, walk_in: 5 },
  traffic: { '110': 55, video_ai: 30, patrol: 10, online: 2, volunteer: 3, walk_in: 0 },
  hazard: { '110': 35, video_ai: 20, patrol: 15, online: 10, volunteer: 18, walk_in: 2 },
  help: { '110': 70, video_ai: 3, patrol: 8, online: 7, volunteer: 7, walk_in: 5 },
  other: { '110': 45, video_ai: 10, patrol: 15, online: 15, volunteer: 10, walk_in: 5 },
};

const urgent: PriorityOdds = [1, 0, 0];
const high: PriorityOdds = [0.5, 0.5, 0];
const normal: PriorityOdds = [0.05, 0.75, 0.2];
const routine: PriorityOdds = [0, 0.35, 0.65];
const minor: PriorityOdds = [0, 0.1, 0.9];

export const SUMMARIES: Readonly<Record<IncidentType, readonly SummaryTemplate[]>> = {
  theft: [
    { text: '电动车被盗', priority: normal, weight: 3 },
    { text: '停放在楼下的电动车电瓶被盗', priority: routine, weight: 2 },
    { text: '店内手机被盗', priority: normal },
    { text: '车内财物被盗，车窗被砸', priority: normal },
    { text: '家中被盗现金若干', priority: normal },
    { text: '快递包裹被人拿走', priority: minor },
    { text: '工地电缆被盗', priority: routine },
    { text: '盗窃嫌疑人正在现场，报警人跟随中', priority: urgent, weight: 0.4 },
  ],
  fraud: [
    { text: '接到电话称被冒充客服诈骗', priority: normal, weight: 2 },
    { text: '网络刷单被骗，已转账', priority: normal },
    { text: '冒充公检法要求转账，正在转账，需紧急止付', priority: urgent, weight: 0.5 },
    { text: '网购退款被骗', priority: routine },
    { text: '投资理财平台被骗', priority: normal },
    { text: '微信冒充熟人借钱被骗', priority: routine },
    { text: '老人被推销保健品骗取钱财', priority: routine },
  ],
  fight: [
    { text: '两名男子发生殴打', priority: high, weight: 1.2 },
    { text: '饭店内多人打架', priority: urgent, weight: 0.6 },
    { text: '因琐事发生肢体冲突，有人受伤', priority: urgent, weight: 0.8 },
    { text: '酒后互殴，双方已分开', priority: normal, weight: 1.4 },
  ],
  public_order: [
    { text: '有人在店内滋事', priority: normal },
    { text: '深夜聚众喧哗扰民', priority: routine },
    { text: '有人酒后闹事', priority: normal },
    { text: '燃放烟花爆竹扰民', priority: minor },
    { text: '有人持械在街上寻衅滋事', priority: urgent, weight: 0.3 },
    { text: '广场舞噪音扰民', priority: minor },
  ],
  dispute: [
    { text: '邻里因噪音发生纠纷', priority: routine, weight: 3 },
    { text: '家庭纠纷，夫妻争吵', priority: normal },
    { text: '劳资纠纷，工人讨要工资', priority: normal },
    { text: '因停车位发生纠纷', priority: routine, weight: 2 },
    { text: '买卖纠纷，顾客与商户争执', priority: routine },
    { text: '土地承包纠纷', priority: routine },
    { text: '物业纠纷，业主与物业争执', priority: minor },
    { text: '家庭纠纷，有人情绪激动扬言轻生', priority: urgent, weight: 0.3 },
  ],
  missing_person: [
    { text: '一名老人走失', priority: urgent },
    { text: '一名儿童走失', priority: urgent },
    { text: '患有阿尔茨海默病的老人外出未归', priority: urgent },
    { text: '精神障碍患者走失', priority: high },
    { text: '学生放学未归，联系不上', priority: high },
  ],
  traffic: [
    { text: '两车剐蹭', priority: minor, weight: 5 },
    { text: '电动车与轿车相撞，有人受伤', priority: urgent },
    { text: '车辆违停堵塞道路', priority: minor, weight: 3 },
    { text: '货车侧翻，占用车道', priority: high, weight: 0.4 },
    { text: '路口信号灯故障，交通拥堵', priority: routine },
    { text: '追尾事故，无人员伤亡', priority: routine, weight: 2 },
    { text: '疑似酒驾车辆', priority: normal },
  ],
  hazard: [
    { text: '居民楼楼道堆放杂物，存在消防隐患', priority: minor, weight: 2 },
    { text: '路边电线冒火花', priority: high },
    { text: '仓库冒烟，疑似起火', priority: urgent, weight: 0.5 },
    { text: '闻到燃气泄漏气味', priority: high },
    { text: '电动车在楼道内充电', priority: minor, weight: 2 },
    { text: '路面井盖缺失', priority: routine },
  ],
  help: [
    { text: '一名醉酒男子倒在路边', priority: normal, weight: 1.5 },
    { text: '钥匙锁在车内求助', priority: minor, weight: 2 },
    { text: '儿童被困电梯', priority: high, weight: 0.6 },
    { text: '老人摔倒求助', priority: normal },
    { text: '求助寻找丢失的钱包', priority: minor },
    { text: '车辆故障求助', priority: minor },
    { text: '有人被困家中，无法开门', priority: normal },
  ],
  other: [
    { text: '发现可疑人员在小区徘徊', priority: routine },
    { text: '拾到身份证件', priority: minor },
    { text: '群众反映路灯损坏', priority: minor },
    { text: '咨询户籍业务', priority: minor },
    { text: '无人机在学校附近飞行', priority: routine },
  ],
};

/** A follow-up that corrects or completes an earlier report (the contract: same id = update). */
export const CORRECTION_NOTES = [
  '（报警人补充：现场情况紧急）',
  '（补充：嫌疑人已离开现场）',
  '（补充：报警人已在路口等候）',
  '（补充：现场有人围观）',
] as const;
