// The community figures as tiles, the same on the console's strip and the wall's 社区警务 panel.
import { computed } from 'vue';
import { useI18n } from 'vue-i18n';
import { useCommunityStore } from '../../stores/community';
import { percent } from '../../charts/statsOptions';
import { STAGE_GROUPS } from './logic';

export interface CommunityTile { key: string; label: string; value: string; of?: string; tone: '' | 'danger' | 'warn' | 'ok' }

export function useCommunityTiles() {
  const { t } = useI18n();
  const community = useCommunityStore();
  const ready = computed(() => community.loaded);
  const dash = '—';
  /** 在办 by stage. */
  const stages = computed<CommunityTile[]>(() => {
    const c = community.counts;
    return [
      { key: 'open', label: t('community.inProgress'), value: ready.value ? String(c.open) : dash, tone: '' },
      ...STAGE_GROUPS.map((s) => ({ key: s, label: t(`community.stage.${s}`), value: ready.value ? String(c.byGroup[s]) : dash, tone: '' as const })),
    ];
  });
  /** 超期 · 可能激化 · 化解率 · 满意度 · 今日任务. */
  const alerts = computed<CommunityTile[]>(() => {
    const c = community.counts;
    const v = community.view;
    return [
      { key: 'overdue', label: t('community.overdue'), value: ready.value ? String(c.overdue) : dash, tone: c.overdue ? 'danger' : '' },
      {
        key: 'mayEscalate', label: t('community.mayEscalate'), value: ready.value ? String(c.mayEscalate) : dash,
        of: c.overdueMayEscalate ? t('community.ofOverdue', { n: c.overdueMayEscalate }) : '', tone: c.overdueMayEscalate ? 'danger' : c.mayEscalate ? 'warn' : '',
      },
      { key: 'successRate', label: t('community.successRate'), value: v?.successRate != null ? percent(v.successRate, 1) : dash, of: v?.mediated ? t('community.ofCases', { n: v.mediated }) : '', tone: '' },
      { key: 'satisfaction', label: t('community.satisfaction'), value: v?.satisfactionRate != null ? percent(v.satisfactionRate, 1) : dash, of: v?.followups ? t('community.ofVisits', { n: v.followups }) : '', tone: '' },
      { key: 'tasksToday', label: t('community.tasksToday'), value: v ? `${v.tasksDone}/${v.tasksDue}` : dash, tone: v && v.tasksDue > 0 && v.tasksDone === v.tasksDue ? 'ok' : '' },
    ];
  });
  return { stages, alerts };
}
