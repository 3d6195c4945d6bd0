// UI strings of the login page, the API errors and the dispatcher console (and the wall's dispatch marks).
// Kept beside the console rather than in ../../i18n.ts so the screens being built at the same time do not
// edit one table; same shape, same rules: zh-CN first, en second, `{name}` placeholders.
import type { Locale, Role } from '@ccr/shared';

const STRINGS = {
  'login.title': { 'zh-CN': '综合指挥室 · 登录', en: 'Command room · Sign in' },
  'login.username': { 'zh-CN': '用户名', en: 'Username' },
  'login.password': { 'zh-CN': '密码', en: 'Password' },
  'login.submit': { 'zh-CN': '登录', en: 'Sign in' },
  'login.submitting': { 'zh-CN': '正在登录…', en: 'Signing in…' },
  'login.hint': { 'zh-CN': '大屏请使用值班员账号登录一次，之后自动保持登录。', en: 'Sign the wall in once with an operator account; it stays signed in.' },
  'login.needLogin': { 'zh-CN': '需要登录', en: 'Please sign in' },
  'login.expired': { 'zh-CN': '登录已失效，请重新登录', en: 'Your session has ended; please sign in again' },
  'login.refused': { 'zh-CN': '服务器拒绝了当前登录，请重新登录', en: 'The server refused this session; please sign in again' },
  'login.denied': { 'zh-CN': '当前账号（{role}）无权访问该页面，请使用{need}账号登录', en: 'This account ({role}) may not open that page; sign in as {need}' },
  'login.missing': { 'zh-CN': '请输入用户名和密码', en: 'Enter a username and a password' },
  'login.loggedInAs': { 'zh-CN': '{name}（{role}）', en: '{name} ({role})' },
  'login.logout': { 'zh-CN': '退出登录', en: 'Sign out' },

  'role.operator': { 'zh-CN': '值班员', en: 'Operator' },
  'role.dispatcher': { 'zh-CN': '调度员', en: 'Dispatcher' },
  'role.leader': { 'zh-CN': '带班领导', en: 'Shift leader' },
  'role.admin': { 'zh-CN': '管理员', en: 'Administrator' },
  'role.device': { 'zh-CN': '警务终端', en: 'Unit device' },
  'role.producer': { 'zh-CN': '数据接入', en: 'Producer' },
  'role.dispatchRoles': { 'zh-CN': '调度员或带班领导', en: 'a dispatcher or shift leader' },
  'role.viewRoles': { 'zh-CN': '值班员、调度员、带班领导或管理员', en: 'an operator, dispatcher, leader or admin' },

  'err.network': { 'zh-CN': '无法连接服务器，请检查网络或稍后重试', en: 'Cannot reach the server; check the network or try again' },
  'err.timeout': { 'zh-CN': '服务器响应超时，请稍后重试', en: 'The server did not answer in time' },
  'err.invalidCredentials': { 'zh-CN': '用户名或密码错误', en: 'Wrong username or password' },
  'err.invalidCredentialsLeft': { 'zh-CN': '用户名或密码错误（再错 {n} 次将锁定账号）', en: 'Wrong username or password ({n} attempts left before the account locks)' },
  'err.locked': { 'zh-CN': '账号已锁定，请于 {time} 后再试', en: 'Account locked until {time}' },
  'err.lockedNoTime': { 'zh-CN': '账号已锁定，请稍后再试', en: 'Account locked; try again later' },
  'err.disabled': { 'zh-CN': '账号已停用，请联系管理员', en: 'This account is disabled; ask an administrator' },
  'err.rateLimited': { 'zh-CN': '请求过于频繁，请稍后再试', en: 'Too many requests; try again shortly' },
  'err.unauthorized': { 'zh-CN': '登录已失效，请重新登录', en: 'Session ended; please sign in again' },
  'err.forbidden': { 'zh-CN': '当前账号无权执行此操作', en: 'This account may not do that' },
  'err.notFound': { 'zh-CN': '对象不存在（可能已被办结或撤销）', en: 'Not found (it may have been closed or cancelled)' },
  'err.badRequest': { 'zh-CN': '请求内容有误：{detail}', en: 'Bad request: {detail}' },
  'err.unitUnavailable': { 'zh-CN': '{unit} 已被 {incident} 调派（{by}）', en: '{unit} is already sent to {incident} ({by})' },
  'err.unitUnavailableStatus': { 'zh-CN': '{unit} 当前{status}，不能调派', en: '{unit} is {status} and cannot be sent' },
  'err.illegalTransition': { 'zh-CN': '当前状态不允许此操作：{detail}', en: 'Not allowed in the current state: {detail}' },
  'err.commandIdReused': { 'zh-CN': '指令编号重复，请重试', en: 'Command id reused; try again' },
  'err.server': { 'zh-CN': '服务器出错（{status}），请稍后重试', en: 'Server error ({status}); try again' },
  'err.unavailable': { 'zh-CN': '服务暂不可用（{status}），请稍后重试', en: 'Service unavailable ({status}); try again' },

  'target.dispatch': { 'zh-CN': '派警', en: 'dispatch' },
  'target.on_scene': { 'zh-CN': '到场', en: 'on scene' },
  'map.dispatchLine': { 'zh-CN': '出警路线', en: 'Sent to' },
  'map.arrived': { 'zh-CN': '已到场', en: 'On scene' },
  'map.rings': { 'zh-CN': '1-3-5分钟圈', en: '1-3-5 min rings' },
  'breach.mark': { 'zh-CN': '超时 {targets}', en: 'Late: {targets}' },
} as const satisfies Record<string, Record<Locale, string>>;

export type DispatchMessageKey = keyof typeof STRINGS;

/** Looks up a string of the console / login table and fills `{name}` placeholders. */
export function td(key: DispatchMessageKey, locale: Locale = 'zh-CN', params?: Record<string, string | number>): string {
  const text: string = STRINGS[key][locale] ?? STRINGS[key]['zh-CN'];
  if (!params) return text;
  return text.replace(/\{(\w+)\}/g, (m, name: string) => (name in params ? String(params[name]) : m));
}

export const DISPATCH_MESSAGE_KEYS = Object.keys(STRINGS) as DispatchMessageKey[];
export const dispatchMessageTable = STRINGS;

export function roleLabel(role: Role, locale: Locale = 'zh-CN'): string {
  return td(`role.${role}`, locale);
}
