// UI strings of the client. Domain labels (incident types, statuses, teams, …) come from @ccr/shared's i18n.ts;
// this table holds only what the screens themselves say. zh-CN first (the wall's language), en second.
import type { Locale } from '@ccr/shared';

export type { Locale };
export const LOCALES: readonly Locale[] = ['zh-CN', 'en'];

const STRINGS = {
  'wall.title': { 'zh-CN': '{station} 综合指挥室', en: '{station} Command Room' },
  'wall.stationFallback': { 'zh-CN': '派出所', en: 'Police Station' },
  'conn.connected': { 'zh-CN': '已连接', en: 'Connected' },
  'conn.connecting': { 'zh-CN': '连接中', en: 'Connecting' },
  'conn.reconnecting': { 'zh-CN': '重连中', en: 'Reconnecting' },
  'conn.disconnected': { 'zh-CN': '断开', en: 'Disconnected' },
  'age.label': { 'zh-CN': '最新数据', en: 'Newest data' },
  'age.seconds': { 'zh-CN': '{n} 秒前', en: '{n} s ago' },
  'age.minutes': { 'zh-CN': '{n} 分钟前', en: '{n} min ago' },
  'age.none': { 'zh-CN': '暂无', en: 'none yet' },
  'sound.on': { 'zh-CN': '声音开', en: 'Sound on' },
  'sound.off': { 'zh-CN': '已静音', en: 'Muted' },
  'locale.switch': { 'zh-CN': 'EN', en: '中文' },

  'today.title': { 'zh-CN': '今日警情', en: 'Today' },
  'today.total': { 'zh-CN': '今日接警', en: 'Reported today' },
  'today.open': { 'zh-CN': '当前未结', en: 'Open now' },
  'today.p1open': { 'zh-CN': '一级未结', en: 'P1 open' },
  'today.byType': { 'zh-CN': '今日警情分类', en: 'Today by type' },
  'teams.title': { 'zh-CN': '三队警力', en: 'Teams on duty' },
  'teams.onDuty': { 'zh-CN': '在岗', en: 'On duty' },
  'teams.available': { 'zh-CN': '空闲', en: 'Available' },

  'board.title': { 'zh-CN': '实时警情', en: 'Live incidents' },
  'board.empty': { 'zh-CN': '当前无未结警情', en: 'No open incidents' },
  'board.more': { 'zh-CN': '另有 {n} 起', en: '+{n} more' },
  'board.duplicate': { 'zh-CN': '疑似重复', en: 'Duplicate?' },
  'board.outside': { 'zh-CN': '辖区外', en: 'Outside' },
  'board.count': { 'zh-CN': '{n} 起', en: '{n}' },

  'map.legend.units': { 'zh-CN': '警力', en: 'Units' },
  'map.legend.status': { 'zh-CN': '状态', en: 'Status' },
  'map.legend.incidents': { 'zh-CN': '警情', en: 'Incidents' },
  'map.legend.busy': { 'zh-CN': '出警/忙碌', en: 'Busy' },
  'map.loading': { 'zh-CN': '正在加载辖区地图…', en: 'Loading the jurisdiction map…' },
  'priority.1': { 'zh-CN': '一级', en: 'P1' },
  'priority.2': { 'zh-CN': '二级', en: 'P2' },
  'priority.3': { 'zh-CN': '三级', en: 'P3' },

  'strip.emergency': { 'zh-CN': '最小应急单元', en: 'Emergency units' },
  'strip.units': { 'zh-CN': '个', en: 'units' },
  'strip.members': { 'zh-CN': '人', en: 'ppl' },
  'strip.combat': { 'zh-CN': '最小作战单元', en: 'Combat units' },
  'strip.volunteers': { 'zh-CN': '义警队伍', en: 'Volunteer teams' },
  'strip.teamsN': { 'zh-CN': '{n}队', en: '{n} teams' },
  'strip.membersN': { 'zh-CN': '{n}人', en: '{n} people' },
  'strip.ticker': { 'zh-CN': '动态', en: 'Events' },
  'strip.noEvents': { 'zh-CN': '暂无新动态', en: 'No recent events' },

  'event.reported': { 'zh-CN': '新警情', en: 'New' },
  'event.updated': { 'zh-CN': '警情更新', en: 'Update' },
  'event.stale': { 'zh-CN': '失联', en: 'No signal' },
  'event.recovered': { 'zh-CN': '恢复信号', en: 'Signal back' },
  'event.andOthers': { 'zh-CN': '等另外 {n} 个单位', en: 'and {n} more' },
  'event.dispatched': { 'zh-CN': '派警', en: 'Sent' },
  'event.backup': { 'zh-CN': '增援', en: 'Backup' },
  'event.enRoute': { 'zh-CN': '出发', en: 'En route' },
  'event.onScene': { 'zh-CN': '到场', en: 'On scene' },
  'event.resolved': { 'zh-CN': '处置完毕', en: 'Resolved' },
  'event.closed': { 'zh-CN': '办结', en: 'Closed' },
  'event.cancelled': { 'zh-CN': '撤销', en: 'Cancelled' },
  'event.merged': { 'zh-CN': '合并', en: 'Merged' },
  'event.reprioritised': { 'zh-CN': '改为{p}', en: 'Now {p}' },
  'event.received': { 'zh-CN': '待派警', en: 'Awaiting dispatch' },
  'event.andMoreIncidents': { 'zh-CN': '等 {n} 起', en: 'and {n} more' },
  'event.breached': { 'zh-CN': '超时', en: 'Late' },
  'event.breachedTarget.dispatch': { 'zh-CN': '未及时派警', en: 'not dispatched in time' },
  'event.breachedTarget.on_scene': { 'zh-CN': '未及时到场', en: 'not on scene in time' },
  'board.page': { 'zh-CN': '第 {page}/{pages} 页', en: 'page {page}/{pages}' },

  'alarm.title': { 'zh-CN': '一级警情', en: 'PRIORITY 1' },
  'alarm.more': { 'zh-CN': '另有 {n} 起一级警情', en: '+{n} more priority 1' },
  'attention.p1': { 'zh-CN': '一级警情', en: 'Priority 1' },
  'attention.breach': { 'zh-CN': '超时', en: 'Target missed' },
  'attention.focus': { 'zh-CN': '聚焦 {why} {incident} · {s}秒后返回 · 排队 {n}', en: 'Focus: {why} {incident} · back in {s}s · {n} queued' },
  'attention.pinned': { 'zh-CN': '视图已锁定，不自动聚焦（按 L 解锁）', en: 'View pinned: no automatic focus (L to unpin)' },
  'attention.pin': { 'zh-CN': '锁定视图', en: 'Pin view' },
  'attention.unpin': { 'zh-CN': '解除锁定', en: 'Unpin' },
  'attention.pinHint': { 'zh-CN': '锁定后新警情不会移动地图（快捷键 L）', en: 'While pinned, new incidents do not move the map (key L)' },
  'alarm.unacknowledged': { 'zh-CN': '待确认 {t}', en: 'unacknowledged {t}' },

  'notFound': { 'zh-CN': '页面不存在', en: 'Page not found' },
} as const satisfies Record<string, Record<Locale, string>>;

export type MessageKey = keyof typeof STRINGS;

/** Looks up a UI string and fills `{name}` placeholders. */
export function t(key: MessageKey, locale: Locale, params?: Record<string, string | number>): string {
  const text: string = STRINGS[key][locale] ?? STRINGS[key]['zh-CN'];
  if (!params) return text;
  return text.replace(/\{(\w+)\}/g, (m, name: string) => (name in params ? String(params[name]) : m));
}

/** Every key, for tests that check the table is complete. */
export const MESSAGE_KEYS = Object.keys(STRINGS) as MessageKey[];
export const messageTable = STRINGS;
