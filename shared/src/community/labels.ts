// Labels for the community loops' codes (zh-CN first, en second). Kept beside the loops rather than in i18n.ts so
// the two loops arrive as one additive change.
import type { Locale } from '../i18n.js';

type Labels<K extends string> = Record<K, Record<Locale, string>>;

export const DISPUTE_STATUSES = ['accepted', 'routed', 'mediating', 'escalated', 'mediated', 'followed_up', 'closed'] as const;
export type DisputeStatus = (typeof DISPUTE_STATUSES)[number];

export const DISPUTE_STATUS_LABELS: Labels<DisputeStatus> = {
  accepted: { 'zh-CN': '受理', en: 'Accepted' },
  routed: { 'zh-CN': '已分流', en: 'Routed' },
  mediating: { 'zh-CN': '调解中', en: 'In mediation' },
  escalated: { 'zh-CN': '待上级受理', en: 'Escalated' },
  mediated: { 'zh-CN': '调解成功待回访', en: 'Mediated, follow-up due' },
  followed_up: { 'zh-CN': '已回访', en: 'Followed up' },
  closed: { 'zh-CN': '销号', en: 'Closed' },
};

export const DISPUTE_CATEGORIES = ['neighbour', 'family', 'labour', 'business', 'land_property', 'other'] as const;
export type DisputeCategory = (typeof DISPUTE_CATEGORIES)[number];
export const DISPUTE_CATEGORY_LABELS: Labels<DisputeCategory> = {
  neighbour: { 'zh-CN': '邻里纠纷', en: 'Neighbours' },
  family: { 'zh-CN': '婚姻家庭', en: 'Family' },
  labour: { 'zh-CN': '劳资纠纷', en: 'Labour' },
  business: { 'zh-CN': '经济纠纷', en: 'Business' },
  land_property: { 'zh-CN': '土地房产', en: 'Land / property' },
  other: { 'zh-CN': '其他', en: 'Other' },
};

/** 1 警务室 on the spot by the grid's community officer, 2 社区警务队, 3 调解中心 joint mediation. */
export const MEDIATION_TIERS = [1, 2, 3] as const;
export type MediationTier = (typeof MEDIATION_TIERS)[number];
export const MEDIATION_TIER_LABELS: Record<MediationTier, Record<Locale, string>> = {
  1: { 'zh-CN': '警务室', en: 'Police office (tier 1)' },
  2: { 'zh-CN': '社区警务队', en: 'Community team (tier 2)' },
  3: { 'zh-CN': '调解中心', en: 'Mediation centre (tier 3)' },
};

export const SESSION_RESULTS = ['success', 'failed', 'escalate'] as const;
export type SessionResult = (typeof SESSION_RESULTS)[number];
export const SESSION_RESULT_LABELS: Labels<SessionResult> = {
  success: { 'zh-CN': '调解成功', en: 'Success' },
  failed: { 'zh-CN': '调解未果', en: 'Failed' },
  escalate: { 'zh-CN': '上交上级', en: 'Escalate' },
};

export const SATISFACTIONS = ['satisfied', 'basic', 'dissatisfied'] as const;
export type Satisfaction = (typeof SATISFACTIONS)[number];
export const SATISFACTION_LABELS: Labels<Satisfaction> = {
  satisfied: { 'zh-CN': '满意', en: 'Satisfied' },
  basic: { 'zh-CN': '基本满意', en: 'Basically satisfied' },
  dissatisfied: { 'zh-CN': '不满意', en: 'Dissatisfied' },
};

export const RISK_LEVELS = ['low', 'medium', 'high'] as const;
export type RiskLevel = (typeof RISK_LEVELS)[number];
export const RISK_LEVEL_LABELS: Labels<RiskLevel> = {
  low: { 'zh-CN': '低', en: 'Low' },
  medium: { 'zh-CN': '中', en: 'Medium' },
  high: { 'zh-CN': '高', en: 'High' },
};

export const DISPUTE_SOURCES = ['incident', 'walk_in', 'online', 'volunteer', 'community'] as const;
export type DisputeSource = (typeof DISPUTE_SOURCES)[number];
export const DISPUTE_SOURCE_LABELS: Labels<DisputeSource> = {
  incident: { 'zh-CN': '警情转办', en: 'From an incident' },
  walk_in: { 'zh-CN': '来所反映', en: 'Walk-in' },
  online: { 'zh-CN': '网上反映', en: 'Online' },
  volunteer: { 'zh-CN': '群众线索', en: 'Volunteer' },
  community: { 'zh-CN': '社区排查', en: 'Community team' },
};

export const TASK_STATUSES = ['ordered', 'accepted', 'reported', 'returned', 'done', 'cancelled'] as const;
export type TaskStatus = (typeof TASK_STATUSES)[number];
export const TASK_STATUS_LABELS: Labels<TaskStatus> = {
  ordered: { 'zh-CN': '已下单', en: 'Ordered' },
  accepted: { 'zh-CN': '已接单', en: 'Accepted' },
  reported: { 'zh-CN': '已反馈待督导', en: 'Reported, in review' },
  returned: { 'zh-CN': '返工', en: 'Returned' },
  done: { 'zh-CN': '督导通过', en: 'Done' },
  cancelled: { 'zh-CN': '已撤销', en: 'Cancelled' },
};
