// Every text the client shows comes from one catalogue per language (./locales/*.ts) through vue-i18n.
// Components call `t` from useI18n(); stores call i18n.global.t; both follow the one locale the prefs store
// sets. Adding a language is adding ./locales/<code>.ts (typed against zh-CN's schema) and registering it in
// CATALOGUES below. The domain's codes (incident types, statuses, …) are under `label.`, equal to @ccr/shared's
// label tables, which the server still uses.
import { createI18n } from 'vue-i18n';
import type { Locale } from '@ccr/shared';
import zhCN, { type MessageSchema } from './locales/zh-CN';
import en from './locales/en';

export type { Locale, MessageSchema };
export type Params = Record<string, string | number>;

export const CATALOGUES: Record<Locale, MessageSchema> = { 'zh-CN': zhCN, en };
export const LOCALES = Object.keys(CATALOGUES) as Locale[];

type Paths<T> = { [K in keyof T & string]: T[K] extends string ? K : `${K}.${Paths<T[K]>}` }[keyof T & string];
/** A dotted path to one message of the catalogue, e.g. 'console.title'. */
export type MessageKey = Paths<MessageSchema>;
/** The label of one of the domain's codes, e.g. `label.incidentType.${type}`. */
export type LabelKey = `label.${keyof MessageSchema['label'] & string}.${string}`;

// Composition mode only: vue-i18n 11 compiles messages to an AST it interprets (no `new Function`), so the
// page's script-src 'self' holds.
export const i18n = createI18n<[MessageSchema], Locale, false>({
  legacy: false,
  locale: 'zh-CN',
  fallbackLocale: 'zh-CN',
  messages: CATALOGUES,
  // a missing key is a bug the key test catches; no console noise in the wall's browser
  missingWarn: false,
  fallbackWarn: false,
});

/**
 * For pure modules that are handed a locale (chart option builders, error texts, the ticker's lines) so their
 * unit tests need no app: the catalogue's message in that locale.
 */
export function tl(key: MessageKey | LabelKey, locale: Locale, params?: Params): string {
  return i18n.global.t(key, params ?? {}, { locale });
}
