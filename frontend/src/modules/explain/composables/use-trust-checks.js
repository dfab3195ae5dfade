import { computed } from 'vue'
import { rankMethods } from '../ranking'
import { useExplanationSet } from './use-explanation'

/**
 * Trust checks for the methods shown side by side: one POST /api/trust-checks/ per method, all
 * followed in parallel; `ranking` orders the finished ones by faithfulness.
 * @param {import('vue').Ref<object[]>} methods the attribution-methods list (for titles)
 */
export function useTrustChecks(methods) {
  const set = useExplanationSet('trust')
  const running = computed(() =>
    Object.values(set.entries.value).some((e) => e.phase === 'starting' || e.phase === 'running'),
  )
  const ranking = computed(() =>
    rankMethods(
      Object.entries(set.entries.value).map(([method, e]) => ({
        method,
        title: (methods.value || []).find((m) => m.name === method)?.title,
        summary: e.explanation?.summary || null,
      })),
    ),
  )
  return { checks: set.entries, run: set.runAll, retry: set.retry, reset: set.reset, running, ranking }
}
