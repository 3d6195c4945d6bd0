// UI strings of the statistics view and the wall's KPI panels, zh-CN first. A table of its own beside
// client/src/i18n.ts (the wall's) so the statistics screens grow without touching the strings others edit.
import type { Locale } from '@ccr/shared';

const STRINGS = {
  'stats.title': { 'zh-CN': '{station} 警情统计分析', en: '{station} · Statistics' },
  'stats.live': { 'zh-CN': '实时', en: 'Live' },
  'stats.updated': { 'zh-CN': '更新于 {time}', en: 'Updated {time}' },
  'stats.toWall': { 'zh-CN': '返回大屏', en: 'Wall' },

  'range.today': { 'zh-CN': '今日', en: 'Today' },
  'range.d7': { 'zh-CN': '近7天', en: '7 d' },
  'range.d30': { 'zh-CN': '近30天', en: '30 d' },
  'range.d90': { 'zh-CN': '近90天', en: '90 d' },
  'range.month': { 'zh-CN': '本月', en: 'Month' },
  'range.custom': { 'zh-CN': '自定义', en: 'Custom' },
  'range.to': { 'zh-CN': '至', en: 'to' },
  'range.apply': { 'zh-CN': '查询', en: 'Apply' },
  'range.invalid': { 'zh-CN': '日期格式不正确', en: 'Not a valid date' },
  'range.reversed': { 'zh-CN': '开始日期不能晚于结束日期', en: 'The start is after the end' },
  'range.tooEarly': { 'zh-CN': '只能查询近13个月的数据', en: 'Only the last 13 months can be shown' },
  'range.future': { 'zh-CN': '不能选择未来的日期', en: 'The end is in the future' },

  'kpi.criminal': { 'zh-CN': '刑事案件', en: 'Criminal cases' },
  'kpi.publicOrder': { 'zh-CN': '治安案件', en: 'Public-order cases' },
  'kpi.dispute': { 'zh-CN': '矛盾纠纷', en: 'Disputes' },
  'kpi.total': { 'zh-CN': '警情总数', en: 'All incidents' },
  'kpi.dispatchShare': { 'zh-CN': '派警及时率', en: 'Dispatched on time' },
  'kpi.sceneShare': { 'zh-CN': '到场及时率', en: 'On scene on time' },
  'kpi.p1Median': { 'zh-CN': '今日一级中位 {t}', en: 'Today P1 median {t}' },
  'kpi.ofCount': { 'zh-CN': '{a}/{b} 起', en: '{a} of {b}' },
  'kpi.mediationLine': { 'zh-CN': '调解 {pct} ({a}/{b})', en: 'Mediated {pct} ({a}/{b})' },
  'kpi.unitsTeam': { 'zh-CN': '{team} {a}/{b}', en: '{team} {a}/{b}' },
  'kpi.closure': { 'zh-CN': '办结率', en: 'Closure rate' },
  'kpi.mediation': { 'zh-CN': '调解成功率', en: 'Mediation success' },
  'kpi.units': { 'zh-CN': '在岗/空闲警力', en: 'Units on duty / free' },
  'kpi.emergency': { 'zh-CN': '最小应急单元', en: 'Emergency units' },
  'kpi.emergencyPeople': { 'zh-CN': '{n}人', en: '{n} people' },
  'kpi.presence': { 'zh-CN': '见警率', en: 'Patrol presence' },
  'kpi.presenceDetail': { 'zh-CN': '近1小时 {visited}/{total} 网格', en: '{visited}/{total} grids, last hour' },
  'kpi.target': { 'zh-CN': '目标 {pct}', en: 'target {pct}' },
  'kpi.yoy': { 'zh-CN': '同比', en: 'YoY' },
  'kpi.mom': { 'zh-CN': '环比', en: 'MoM' },
  'kpi.noBase': { 'zh-CN': '无可比', en: 'n/a' },
  'unit.min': { 'zh-CN': '分', en: 'min' },
  'unit.sec': { 'zh-CN': '秒', en: 's' },
  'unit.cases': { 'zh-CN': '起', en: '' },

  'chart.byHour': { 'zh-CN': '今日分时警情', en: 'Today by hour' },
  'chart.today': { 'zh-CN': '今日', en: 'Today' },
  'chart.yesterday': { 'zh-CN': '昨日', en: 'Yesterday' },
  'chart.lastYear': { 'zh-CN': '去年同日', en: 'Same day last year' },
  'chart.daily': { 'zh-CN': '每日警情走势', en: 'Incidents per day' },
  'chart.hourly': { 'zh-CN': '分时警情走势', en: 'Incidents per hour' },
  'chart.count': { 'zh-CN': '警情数', en: 'Incidents' },
  'chart.heatmap': { 'zh-CN': '周内分时段热力', en: 'Hour of week' },
  'chart.gridRank': { 'zh-CN': '网格警情排名', en: 'Grids by incidents' },
  'chart.gridMap': { 'zh-CN': '网格警情分布', en: 'Incidents by grid' },
  'chart.typeMix': { 'zh-CN': '警情类型构成', en: 'Type mix over time' },
  'chart.hourAxis': { 'zh-CN': '{h}时', en: '{h}:00' },
  'chart.outside': { 'zh-CN': '辖区外', en: 'Outside' },
  'chart.presenceByGrid': { 'zh-CN': '网格见警率', en: 'Presence by grid' },
  'chart.trend24': { 'zh-CN': '24小时警情', en: 'Last 24 hours' },

  'chart.etaAccuracy': { 'zh-CN': '预计到场时间误差', en: 'ETA error by unit kind' },
  'eta.kindAxis': { 'zh-CN': '{kind}（{n}次）', en: '{kind} ({n})' },
  'eta.p50': { 'zh-CN': '误差中位数', en: 'Median error' },
  'eta.p90': { 'zh-CN': '90%分位误差', en: '90th percentile' },
  'eta.all': { 'zh-CN': '全部', en: 'All' },
  'eta.summary': { 'zh-CN': '共 {n} 次到场 · 中位误差 {p50} · 90%分位 {p90} · 晚于预计 {later}', en: '{n} arrivals · median {p50} · p90 {p90} · later than predicted {later}' },
  'eta.empty': { 'zh-CN': '所选时段暂无到场记录', en: 'No arrivals in this range' },
  'eta.col.kind': { 'zh-CN': '力量类型', en: 'Unit kind' },
  'eta.col.arrivals': { 'zh-CN': '到场次数', en: 'Arrivals' },
  'eta.col.p50': { 'zh-CN': '误差中位数(%)', en: 'Median error (%)' },
  'eta.col.p90': { 'zh-CN': '90%分位误差(%)', en: 'p90 error (%)' },
  'eta.col.later': { 'zh-CN': '晚于预计(%)', en: 'Later than predicted (%)' },
  'eta.col.predicted': { 'zh-CN': '平均预计(秒)', en: 'Mean predicted (s)' },
  'eta.col.actual': { 'zh-CN': '平均实际(秒)', en: 'Mean actual (s)' },
  'eta.col.calibration': { 'zh-CN': '当前校准系数', en: 'Calibration now' },

  'col.day': { 'zh-CN': '日期', en: 'Date' },
  'col.hour': { 'zh-CN': '时段', en: 'Hour' },
  'col.weekday': { 'zh-CN': '星期', en: 'Weekday' },
  'col.grid': { 'zh-CN': '网格', en: 'Grid' },
  'col.gridId': { 'zh-CN': '网格编号', en: 'Grid id' },
  'col.rank': { 'zh-CN': '排名', en: 'Rank' },
  'col.count': { 'zh-CN': '警情数', en: 'Incidents' },
  'col.type': { 'zh-CN': '类型', en: 'Type' },
  'col.kpi': { 'zh-CN': '指标', en: 'Figure' },
  'col.value': { 'zh-CN': '数值', en: 'Value' },
  'col.detail': { 'zh-CN': '说明', en: 'Detail' },
  'col.range': { 'zh-CN': '统计时段', en: 'Range' },

  'export.png': { 'zh-CN': '导出图片', en: 'PNG' },
  'export.csv': { 'zh-CN': '导出数据', en: 'CSV' },
  'export.kpis': { 'zh-CN': '导出指标', en: 'Figures CSV' },

  'state.loading': { 'zh-CN': '正在加载统计数据…', en: 'Loading statistics…' },
  'state.empty': { 'zh-CN': '所选时段暂无警情数据', en: 'No incidents in this range' },
  'state.error': { 'zh-CN': '统计数据加载失败：{msg}', en: 'Could not load statistics: {msg}' },
  'state.retry': { 'zh-CN': '重试', en: 'Retry' },
  'state.noGrids': { 'zh-CN': '辖区地图尚未加载', en: 'The jurisdiction map is not loaded yet' },

  'wall.monthTitle': { 'zh-CN': '本月累计 · 同比', en: 'Month to date · YoY' },
  'wall.presence': { 'zh-CN': '网格见警率', en: 'Patrol presence' },
  'wall.presenceLastHour': { 'zh-CN': '近1小时 · 目标{pct}', en: 'last hour · target {pct}' },
  'wall.presenceHour': { 'zh-CN': '本小时已巡 {n}/{total} 网格', en: '{n}/{total} grids this hour' },
} as const satisfies Record<string, Record<Locale, string>>;

export type StatsMessageKey = keyof typeof STRINGS;

export const WEEKDAYS: Record<Locale, readonly string[]> = {
  'zh-CN': ['周一', '周二', '周三', '周四', '周五', '周六', '周日'],
  en: ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'],
};

/** Looks up a statistics string and fills `{name}` placeholders. */
export function st(key: StatsMessageKey, locale: Locale, params?: Record<string, string | number>): string {
  const text: string = STRINGS[key][locale] ?? STRINGS[key]['zh-CN'];
  if (!params) return text;
  return text.replace(/\{(\w+)\}/g, (m, name: string) => (name in params ? String(params[name]) : m));
}

export const STATS_MESSAGE_KEYS = Object.keys(STRINGS) as StatsMessageKey[];
export const statsMessageTable = STRINGS;
