import { computed, ref } from 'vue'
import { useJobRun } from '@/composables/use-job-run'

// the register forms name the job-run phases by what the user waits for
const PHASES = { starting: 'uploading', running: 'job', loading: 'job' }

/**
 * Upload a model or dataset (with upload progress), then follow its validation job.
 * phase: 'idle' | 'uploading' | 'job' | 'done' | 'error'
 * @param {(form: FormData, opts: {signal: AbortSignal, onProgress: (f: number) => void}) => Promise<{job: object}>} register
 */
export function useRegistration(register) {
  const uploaded = ref(0)
  // a refused file is explained by the job's own message (RegistrationProgress shows it): no default sentence
  const run = useJobRun({ failure: () => '' })
  const phase = computed(() => PHASES[run.phase.value] ?? run.phase.value)

  /** @returns {Promise<object|null>} the job's result once registered, else null */
  async function submit(form) {
    uploaded.value = 0
    await run.run({ submit: (signal) => register(form, { signal, onProgress: (f) => (uploaded.value = f) }) })
    return run.phase.value === 'done' ? run.job.value.result : null
  }

  return { phase, uploaded, job: run.job, error: run.error, submit }
}
