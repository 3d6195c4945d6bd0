// Labels for the domain's codes. zh-CN first (the wall's language), en second.
import type { IncidentSource, IncidentStatus, IncidentType, PlaceKind, Team, UnitKind, UnitStatus, VolunteerKind } from './domain.js';

export type Locale = 'zh-CN' | 'en';
type Labels<K extends string> = Record<K, { 'zh-CN': string; en: string }>;

export const INCIDENT_TYPE_LABELS: Labels<IncidentType> = {
  theft: { 'zh-CN': '盗窃', en: 'Theft' },
  fraud: { 'zh-CN': '诈骗', en: 'Fraud' },
  fight: { 'zh-CN': '打架斗殴', en: 'Fight' },
  public_order: { 'zh-CN': '治安', en: 'Public order' },
  dispute: { 'zh-CN': '矛盾纠纷', en: 'Dispute' },
  missing_person: { 'zh-CN': '走失', en: 'Missing person' },
  traffic: { 'zh-CN': '交通', en: 'Traffic' },
  hazard: { 'zh-CN': '安全隐患', en: 'Hazard' },
  help: { 'zh-CN': '求助', en: 'Help' },
  other: { 'zh-CN': '其他', en: 'Other' },
};

export const INCIDENT_SOURCE_LABELS: Labels<IncidentSource> = {
  '110': { 'zh-CN': '110接警', en: '110 call' },
  video_ai: { 'zh-CN': 'AI视频预警', en: 'AI video' },
  patrol: { 'zh-CN': '巡逻发现', en: 'Patrol' },
  online: { 'zh-CN': '网上报警', en: 'Online' },
  volunteer: { 'zh-CN': '群众线索', en: 'Volunteer' },
  walk_in: { 'zh-CN': '来所报警', en: 'Walk-in' },
};

export const INCIDENT_STATUS_LABELS: Labels<IncidentStatus> = {
  received: { 'zh-CN': '待派警', en: 'Received' },
  dispatched: { 'zh-CN': '已派警', en: 'Dispatched' },
  en_route: { 'zh-CN': '在途', en: 'En route' },
  on_scene: { 'zh-CN': '已到场', en: 'On scene' },
  resolved: { 'zh-CN': '已处置', en: 'Resolved' },
  closed: { 'zh-CN': '已办结', en: 'Closed' },
  cancelled: { 'zh-CN': '已撤销', en: 'Cancelled' },
  merged: { 'zh-CN': '已合并', en: 'Merged' },
};

export const UNIT_KIND_LABELS: Labels<UnitKind> = {
  patrol_car: { 'zh-CN': '巡逻车', en: 'Patrol car' },
  foot_patrol: { 'zh-CN': '步巡', en: 'Foot patrol' },
  community_officer: { 'zh-CN': '社区民警', en: 'Community officer' },
  case_officer: { 'zh-CN': '办案民警', en: 'Case officer' },
  combat_unit: { 'zh-CN': '最小作战单元', en: 'Combat unit' },
  emergency_unit: { 'zh-CN': '最小应急单元', en: 'Emergency unit' },
  volunteer_team: { 'zh-CN': '义警队伍', en: 'Volunteer team' },
};

export const UNIT_STATUS_LABELS: Labels<UnitStatus | 'stale'> = {
  available: { 'zh-CN': '空闲', en: 'Available' },
  dispatched: { 'zh-CN': '已派', en: 'Dispatched' },
  en_route: { 'zh-CN': '在途', en: 'En route' },
  on_scene: { 'zh-CN': '到场', en: 'On scene' },
  busy: { 'zh-CN': '忙碌', en: 'Busy' },
  off_duty: { 'zh-CN': '下勤', en: 'Off duty' },
  stale: { 'zh-CN': '失联', en: 'No signal' },
};

export const TEAM_LABELS: Labels<Team> = {
  community: { 'zh-CN': '社区警务队', en: 'Community policing' },
  case: { 'zh-CN': '案件办理队', en: 'Case handling' },
  patrol: { 'zh-CN': '治安巡逻队', en: 'Patrol' },
};

export const PLACE_KIND_LABELS: Labels<PlaceKind> = {
  shop: { 'zh-CN': '商铺', en: 'Shop' },
  school: { 'zh-CN': '学校', en: 'School' },
  firm: { 'zh-CN': '企业', en: 'Firm' },
  village: { 'zh-CN': '村庄', en: 'Village' },
  hospital: { 'zh-CN': '医院', en: 'Hospital' },
  market: { 'zh-CN': '市场', en: 'Market' },
  residential: { 'zh-CN': '小区', en: 'Residential' },
};

export const VOLUNTEER_KIND_LABELS: Labels<VolunteerKind> = {
  courier: { 'zh-CN': '快乐小哥', en: 'Couriers' },
  sanitation: { 'zh-CN': '美丽环卫', en: 'Sanitation' },
  taxi: { 'zh-CN': '平安的哥', en: 'Taxi drivers' },
  merchant: { 'zh-CN': '十户联防', en: 'Merchant defence' },
  school_guard: { 'zh-CN': '护学岗', en: 'School guards' },
  ski_resort: { 'zh-CN': '雪场精灵', en: 'Ski resort' },
  other: { 'zh-CN': '群防群治', en: 'Volunteers' },
};

export function label<K extends string>(table: Labels<K>, key: K, locale: Locale): string {
  return table[key]?.[locale] ?? key;
}
