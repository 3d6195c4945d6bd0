// `/` is the wall. `/dispatch` and `/stats` arrive with later issues; anything unknown shows the wall.
import { createRouter, createWebHistory, type RouteRecordRaw } from 'vue-router';
// The wall is bundled with the entry, not lazily: a wall runs for days, and a chunk that a redeploy has
// replaced in the meantime could no longer be fetched.
import WallView from './views/WallView.vue';

export const routes: RouteRecordRaw[] = [
  { path: '/', name: 'wall', component: WallView },
  { path: '/:pathMatch(.*)*', redirect: '/' },
];

export const router = createRouter({ history: createWebHistory(), routes });
