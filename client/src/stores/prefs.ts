// Display preferences that survive a reload: language and the alarm's mute switch.
import { defineStore } from 'pinia';
import { ref, watch } from 'vue';
import { i18n, type Locale } from '../i18n';

const KEY = 'ccr.wall.prefs';

interface Saved { locale?: Locale; muted?: boolean }

function load(): Saved {
  try {
    const raw = globalThis.localStorage?.getItem(KEY);
    if (!raw) return {};
    const v = JSON.parse(raw) as Saved;
    return {
      locale: v.locale === 'en' || v.locale === 'zh-CN' ? v.locale : undefined,
      muted: typeof v.muted === 'boolean' ? v.muted : undefined,
    };
  } catch {
    return {};
  }
}

export const usePrefsStore = defineStore('prefs', () => {
  const saved = load();
  const locale = ref<Locale>(saved.locale ?? 'zh-CN');
  const muted = ref(saved.muted ?? false);

  watch([locale, muted], () => {
    try {
      globalThis.localStorage?.setItem(KEY, JSON.stringify({ locale: locale.value, muted: muted.value }));
    } catch {
      // storage full or blocked: the preference lasts for this session only
    }
  });

  // The one place the language is chosen: every `t` (components' useI18n, stores' i18n.global.t) follows it.
  watch(locale, (l) => { i18n.global.locale.value = l; }, { immediate: true });

  function toggleMuted(): void { muted.value = !muted.value; }
  function toggleLocale(): void { locale.value = locale.value === 'zh-CN' ? 'en' : 'zh-CN'; }

  return { locale, muted, toggleMuted, toggleLocale };
});
