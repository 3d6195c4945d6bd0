import { createApp } from 'vue';
import { createPinia } from 'pinia';
import App from './App.vue';
import { router } from './router';
import { i18n } from './i18n';
import { usePrefsStore } from './stores/prefs';
import './styles.css';

const pinia = createPinia();
// The saved language applies before the first page renders, whichever page that is.
usePrefsStore(pinia);
createApp(App).use(pinia).use(router).use(i18n).mount('#app');
