// Says a server refusal in the user's language. The server sends a code of @ccr/shared's ERRORS and the params its
// sentence names (`{ error, params, message }` over HTTP, `{ code, params, message }` in socket acks); the sentence is
// `errors.<code>` in the catalogue, and each param is said as a person reads it: a domain code by its label
// (`labelKey`), an instant as a clock time in the zone the server names (`clockZone`). Pure: tested without an app.
import { isErrorCode, localClockTime, paramAnnotations, type Locale } from '@ccr/shared';
import { i18n, tl, type MessageKey, type Params } from './i18n';

export interface Refusal {
  code: string;
  params?: unknown;
  /** The server's English message: said when the code is one this client does not know. */
  message?: string;
}

const browserZone = (): string => Intl.DateTimeFormat().resolvedOptions().timeZone;

function clockTime(ms: number, zone: unknown): string {
  try {
    return localClockTime(ms, typeof zone === 'string' ? zone : browserZone());
  } catch {
    return localClockTime(ms, browserZone()); // a zone this browser does not know
  }
}

/** One value of a label set: `prefix.value` when the catalogue has it, else the value as sent. */
function label(prefix: string, value: string, locale: Locale): string {
  const key = `${prefix}.${value}`;
  return i18n.global.te(key, locale) ? i18n.global.t(key, {}, { locale }) : value;
}

/**
 * The sentence for a refusal, or null when the code is not one of @ccr/shared's (the caller falls back).
 * `given` replaces params the caller can say better (a unit's name for its id); they are used as they are.
 */
export function refusalText(r: Refusal, locale: Locale, given: Params = {}): string | null {
  if (!isErrorCode(r.code)) return null;
  const sent = typeof r.params === 'object' && r.params !== null ? (r.params as Record<string, unknown>) : {};
  const params: Params = {};
  for (const [name, how] of Object.entries(paramAnnotations(r.code))) {
    const v = sent[name];
    if (name in given) params[name] = given[name]!;
    else if (how.clockZone && typeof v === 'number') params[name] = clockTime(v, sent[how.clockZone]);
    else if (how.labelKey && typeof v === 'string') {
      const prefix = how.labelKey.replace(/\{(\w+)\}/g, (_m, p: string) => String(sent[p] ?? ''));
      params[name] = v.split(',').map((item) => label(prefix, item, locale)).join(tl('errorLabel.listSeparator', locale));
    } else params[name] = typeof v === 'string' || typeof v === 'number' ? v : '?';
  }
  return tl(`errors.${r.code}` as MessageKey, locale, params);
}

/** Any refusal as a sentence: the catalogue's, or for an unknown code the server's English message. */
export function sayRefusal(r: Refusal, locale: Locale, given: Params = {}): string {
  return refusalText(r, locale, given) ?? tl('err.unknown', locale, { message: (r.message ?? r.code).slice(0, 300) });
}
