// The jurisdiction the map draws: fetched once from GET /api/jurisdiction, retried until the server answers.
import { defineStore } from 'pinia';
import { computed, ref, shallowRef } from 'vue';
import type { GridCollection, RoadCollection, Station } from '@ccr/shared';
import { useAuthStore } from './auth';

export interface JurisdictionData { station: Station; grids: GridCollection; roads: RoadCollection }

export const useJurisdictionStore = defineStore('jurisdiction', () => {
  const data = shallowRef<JurisdictionData | null>(null);
  const error = ref<string | null>(null);
  let loading: Promise<void> | null = null;
  let retry: ReturnType<typeof setTimeout> | undefined;

  async function fetchOnce(fetchImpl: typeof fetch): Promise<void> {
    // The route needs a session (any view role): send the token the auth store holds.
    const token = useAuthStore().token;
    const res = await fetchImpl('/api/jurisdiction', { headers: { accept: 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) } });
    if (!res.ok) throw new Error(`GET /api/jurisdiction: ${res.status}`);
    const body = (await res.json()) as JurisdictionData;
    if (!body?.grids?.features || !body.station) throw new Error('GET /api/jurisdiction: unexpected body');
    data.value = { station: body.station, grids: body.grids, roads: body.roads ?? { type: 'FeatureCollection', features: [] } };
    error.value = null;
  }

  /** Loads once; on failure retries with backoff (the wall may start before the server). */
  function load(fetchImpl: typeof fetch = fetch): Promise<void> {
    if (data.value) return Promise.resolve();
    if (loading) return loading;
    let delay = 1_000;
    loading = new Promise<void>((resolve) => {
      const attempt = (): void => {
        fetchOnce(fetchImpl).then(resolve, (e: unknown) => {
          error.value = e instanceof Error ? e.message : String(e);
          retry = setTimeout(attempt, delay);
          delay = Math.min(delay * 2, 30_000);
        });
      };
      attempt();
    });
    return loading;
  }

  function stop(): void { clearTimeout(retry); }

  const gridNameById = computed(() => {
    const m = new Map<string, { zh: string; en: string }>();
    for (const f of data.value?.grids.features ?? []) m.set(f.properties.id, { zh: f.properties.name, en: f.properties.nameEn ?? f.properties.name });
    return m;
  });

  return { data, error, load, stop, gridNameById };
});
