// `/` is the wall. `/dispatch` and `/stats` arrive with later issues; anything unknown shows the wall.
import { createRouter, createWebHistory, type RouteRecordRaw } from 'vue-router';

export const routes: RouteRecordRaw[] = [
  { path: '/', name: 'wall', component: () => import('./views/WallView.vue') },
  { path: '/:pathMatch(.*)*', redirect: '/' },
];

export const router = createRouter({ history: createWebHistory(), routes });
