import { onScopeDispose, ref, shallowRef } from 'vue'
import { analysesApi } from '@/api/endpoints/analyses'
import { markPerf } from '@/composables/perf'
import { pollJob } from '@/composables/use-job-poller'

/**
 * Create an analysis (network × image or sample), follow its job, then fetch the result.
 * phase: 'idle' → 'starting' → 'running' → 'loading' → 'done' | 'error'
 */
export function useAnalysis() {
  const phase = ref('idle')
  const job = ref(null)
  const analysis = shallowRef(null)
  const error = ref('')
  let controller = null
  let lastBody = null

  /** @param {{network: any, image?: any, sample?: {dataset: string, index: number}}} body */
  async function run(body) {
    controller?.abort()
    controller = new AbortController()
    const { signal } = controller
    lastBody = body
    phase.value = 'starting'
    error.value = ''
    job.value = null
    analysis.value = null
    try {
      const created = await analysesApi.create(body, { signal })
      phase.value = 'running'
      const final = await pollJob(created.job, { signal, onUpdate: (j) => (job.value = j) })
      if (final.status === 'succeeded') markPerf('cs:job-succeeded')
      if (final.status !== 'succeeded') {
        throw new Error(
          final.message ||
            (final.status === 'cancelled' ? 'The analysis was cancelled.' : 'The analysis failed on the server.'),
        )
      }
      // a reused cached result may already carry everything
      if (created.job.status === 'succeeded' && created.prediction?.length) {
        analysis.value = created
      } else {
        phase.value = 'loading'
        analysis.value = await analysesApi.get(created.id, { signal })
      }
      phase.value = 'done'
    } catch (e) {
      if (e?.name === 'AbortError') return
      error.value = e.message || 'The analysis failed.'
      phase.value = 'error'
    }
  }

  function reset() {
    controller?.abort()
    phase.value = 'idle'
    job.value = null
    analysis.value = null
    error.value = ''
  }

  onScopeDispose(() => controller?.abort())
  return { phase, job, analysis, error, run, retry: () => lastBody && run(lastBody), reset }
}
