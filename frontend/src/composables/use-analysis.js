import { analysesApi } from '@/api/endpoints/analyses'
import { markPerf } from '@/composables/perf'
import { useJobRun } from '@/composables/use-job-run'

const analysisFailure = (job) =>
  job.message || (job.status === 'cancelled' ? 'The analysis was cancelled.' : 'The analysis failed on the server.')

/**
 * Create an analysis (network × image or sample), follow its job, then fetch the result.
 * phase: 'idle' → 'starting' → 'running' → 'loading' → 'done' | 'error'
 */
export function useAnalysis() {
  const job = useJobRun({ failure: analysisFailure, onSucceeded: () => markPerf('cs:job-succeeded') })

  /** @param {{network: any, image?: any, sample?: {dataset: string, index: number}, epoch?: number}} body */
  function run(body) {
    return job.run({
      submit: (signal) => analysesApi.create(body, { signal }),
      // a reused cached result may already carry everything
      complete: (answer) => answer.job.status === 'succeeded' && !!answer.prediction?.length,
      fetch: (answer, _job, signal) => analysesApi.get(answer.id, { signal }),
    })
  }

  return {
    phase: job.phase,
    job: job.job,
    analysis: job.result,
    error: job.error,
    run,
    retry: job.retry,
    reset: job.reset,
  }
}
