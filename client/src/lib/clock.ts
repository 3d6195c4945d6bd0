// One shared ticking clock for every timer on the screen, aligned to the second so all digits change together.
import { onBeforeUnmount, onMounted, readonly, ref, type Ref } from 'vue';

const now = ref(Date.now());
let users = 0;
let timer: ReturnType<typeof setTimeout> | undefined;

function tick(): void {
  now.value = Date.now();
  timer = setTimeout(tick, 1000 - (Date.now() % 1000) + 5);
}

/** Current client time in epoch ms, updated once a second while any component uses it. */
export function useSecondClock(): Readonly<Ref<number>> {
  onMounted(() => {
    if (users++ === 0) tick();
  });
  onBeforeUnmount(() => {
    if (--users === 0) clearTimeout(timer);
  });
  return readonly(now);
}

const formatters = new Map<string, Intl.DateTimeFormat>();
function fmt(key: string, make: () => Intl.DateTimeFormat): Intl.DateTimeFormat {
  let f = formatters.get(key);
  if (!f) { f = make(); formatters.set(key, f); }
  return f;
}

/** Clock parts in a time zone: date, weekday and hh:mm:ss. */
export function clockParts(epochMs: number, timeZone: string, locale: 'zh-CN' | 'en'): { date: string; weekday: string; time: string } {
  const d = new Date(epochMs);
  const date = fmt(`d:${timeZone}:${locale}`, () => new Intl.DateTimeFormat(locale === 'en' ? 'en-CA' : 'zh-CN', {
    timeZone, year: 'numeric', month: locale === 'en' ? '2-digit' : 'long', day: locale === 'en' ? '2-digit' : 'numeric',
  })).format(d);
  const weekday = fmt(`w:${timeZone}:${locale}`, () => new Intl.DateTimeFormat(locale, { timeZone, weekday: 'long' })).format(d);
  const time = fmt(`t:${timeZone}`, () => new Intl.DateTimeFormat('en-GB', {
    timeZone, hour: '2-digit', minute: '2-digit', second: '2-digit', hourCycle: 'h23',
  })).format(d);
  return { date, weekday, time };
}

/** hh:mm of an instant in a time zone, for the ticker. */
export function hourMinute(epochMs: number, timeZone: string): string {
  return fmt(`hm:${timeZone}`, () => new Intl.DateTimeFormat('en-GB', { timeZone, hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }))
    .format(new Date(epochMs));
}
