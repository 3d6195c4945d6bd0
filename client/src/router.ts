// `/` is the wall, `/login` the one public page. Every other route needs a session whose role is in its
// `meta.roles` (any view role when it names none); otherwise the login page shows and says why.
import { createRouter, createWebHistory, type RouteRecordRaw } from 'vue-router';
import { COMMUNITY_INTAKE_ROLES, DISPATCH_ROLES, VIEW_ROLES, type Role } from '@ccr/shared';
// The wall is bundled with the entry, not lazily: a wall runs for days, and a chunk that a redeploy has
// replaced in the meantime could no longer be fetched.
import WallView from './views/WallView.vue';
import LoginView from './views/LoginView.vue';
// The console runs a whole shift: bundled with the entry for the same reason as the wall.
import DispatchView from './views/DispatchView.vue';
// The community console, likewise a whole shift's screen.
import CommunityView from './views/CommunityView.vue';
// The terminal app on a phone: with the entry too, so the service worker's cached shell opens it offline.
import TerminalView from './views/TerminalView.vue';
import { guardDecision, useAuthStore } from './stores/auth';

declare module 'vue-router' {
  interface RouteMeta {
    /** Roles that may open the route; VIEW_ROLES when absent. */
    roles?: readonly Role[];
    /** Open without a session. */
    public?: boolean;
  }
}

export const routes: RouteRecordRaw[] = [
  { path: '/', name: 'wall', component: WallView, meta: { roles: VIEW_ROLES } },
  { path: '/dispatch', name: 'dispatch', component: DispatchView, meta: { roles: DISPATCH_ROLES } },
  // The community leader and the shift leader run the loops; a dispatcher opens cases (转矛盾纠纷) and orders tasks.
  { path: '/community', name: 'community', component: CommunityView, meta: { roles: COMMUNITY_INTAKE_ROLES } },
  // A volunteer's phone: its own login form (volunteer id and provisioning key), so the route is open.
  { path: '/m/volunteer', name: 'volunteer', component: () => import('./views/VolunteerView.vue'), meta: { public: true } },
  // A unit's phone: its own device login (unit id + provisioning key), not a console session.
  { path: '/m', name: 'terminal', component: TerminalView, meta: { public: true } },
  { path: '/login', name: 'login', component: LoginView, meta: { public: true } },
  { path: '/stats', name: 'stats', component: () => import('./views/StatsView.vue'), meta: { roles: VIEW_ROLES } },
  { path: '/:pathMatch(.*)*', redirect: '/' },
];

export const router = createRouter({ history: createWebHistory(), routes });

let watchingSession = false;
router.beforeEach((to) => {
  const auth = useAuthStore();
  if (!watchingSession) {
    watchingSession = true;
    // A session that ends while a page is open (expired, refused, logged out elsewhere) takes it to the login page.
    auth.onTokenChange((token) => {
      const here = router.currentRoute.value;
      if (!token && !here.meta.public) void router.replace({ name: 'login', query: { redirect: here.fullPath, reason: auth.endReason ?? 'expired' } });
    });
  }
  return guardDecision(to, { loggedIn: auth.loggedIn, role: auth.role });
});
