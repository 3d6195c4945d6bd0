// The names this screen knows, for lib/actors.ts: units from the live picture, the signed-in account.
import { computed, type ComputedRef } from 'vue';
import { useLiveStore } from '../stores/live';
import { useAuthStore } from '../stores/auth';
import type { NameBook } from './actors';

export function useNameBook(): ComputedRef<NameBook> {
  const live = useLiveStore();
  const auth = useAuthStore();
  return computed<NameBook>(() => {
    const units = live.units;
    void live.unitsVersion; // the Map is replaced or triggered; read the version so a new roster renames
    const me = auth.user;
    return {
      unit: (id) => units.get(id)?.name,
      account: (username) => (me && me.username === username ? me.displayName : undefined),
    };
  });
}
