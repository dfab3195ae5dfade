/**
 * The one lifecycle of a server job, used by every page: submit (HTTP 202 with a job), follow the
 * job with the poller (progress), then fetch the finished result and any artifacts it points at.
 * A newer run, `reset()` or leaving the page abandons the older one; `cancel()` asks the server
 * to stop it.
 */
import { onScopeDispose, ref, shallowRef } from 'vue'
import { jobsApi } from '@/api/endpoints/jobs'
import { pollJob, TERMINAL_STATUSES } from '@/composables/use-job-poller'

/** A job that ended without success; `job` is its last state (status, message). */
export class JobFailedError extends Error {
  constructor(message, job) {
    super(message)
    this.name = 'JobFailedError'
    this.job = job
  }
}

/** The plain sentence for a job that did not succeed. */
export function jobFailureMessage(job) {
  return (
    job.message || (job.status === 'cancelled' ? 'The job was cancelled.' : 'The computation failed on the server.')
  )
}

/** Most answers are complete when the job came back already finished with its summary (a cached result). */
export const hasSummary = (answer) => answer.job?.status === 'succeeded' && !!answer.summary

/**
 * Run one job to its end.
 * @param {{
 *   submit: (signal: AbortSignal) => Promise<{id?: any, job: object}>,
 *   fetch?: (answer: object, job: object, signal: AbortSignal) => Promise<any>,
 *   complete?: (answer: object) => boolean,
 * }} spec `fetch` reads the finished result (skipped when `complete(answer)`); without it the
 *   answer itself is the result
 * @param {{signal?: AbortSignal, onSubmitted?: (answer) => void, onJob?: (job) => void,
 *          onSucceeded?: (job) => void, onFetching?: () => void}} [hooks]
 * @returns {Promise<{answer: object, job: object, result: any}>}
 */
export async function runJob(
  { submit, fetch = null, complete = hasSummary },
  { signal, onSubmitted, onJob, onSucceeded, onFetching } = {},
) {
  const answer = await submit(signal)
  onSubmitted?.(answer)
  const job = await pollJob(answer.job, { signal, onUpdate: (j) => onJob?.(j) })
  if (job.status !== 'succeeded') throw new JobFailedError(jobFailureMessage(job), job)
  onSucceeded?.(job)
  if (!fetch || complete(answer)) return { answer, job, result: answer }
  onFetching?.()
  return { answer, job, result: await fetch(answer, job, signal) }
}

/**
 * One job-backed result at a time, as reactive state.
 * phase: 'idle' → 'starting' (submitting, e.g. uploading) → 'running' (the job) → 'loading'
 *        (fetching the result and artifacts) → 'done' | 'error'
 * @param {{
 *   then?: (result: any, signal: AbortSignal) => Promise<any>,
 *   failure?: (job: object) => string,
 *   onSucceeded?: (job: object) => void,
 * }} [opts] `then` fetches extra artifacts into `extra`; `failure` words a failed job for `error`
 */
export function useJobRun({ then = null, failure = jobFailureMessage, onSucceeded } = {}) {
  const phase = ref('idle')
  const job = ref(null)
  const result = shallowRef(null)
  const extra = shallowRef(null)
  const error = ref('')
  let controller = null
  let lastTask = null

  function clear(nextPhase) {
    phase.value = nextPhase
    job.value = null
    result.value = null
    extra.value = null
    error.value = ''
  }

  /** Run one job described by `spec` (see runJob). */
  function run(spec) {
    return start((hooks) => runJob(spec, hooks))
  }

  /**
   * Run a task that drives a job itself (e.g. one answered from a cache when it can be):
   * `task(hooks)` gets runJob's hooks and resolves to {result, job?}.
   */
  async function start(task) {
    controller?.abort()
    controller = new AbortController()
    const { signal } = controller
    lastTask = task
    clear('starting')
    try {
      const r = await task({
        signal,
        onSubmitted: (answer) => {
          phase.value = 'running'
          job.value = answer.job
        },
        onJob: (j) => (job.value = j),
        onSucceeded,
        onFetching: () => (phase.value = 'loading'),
      })
      if (signal.aborted) return
      if (then) {
        phase.value = 'loading'
        const more = await then(r.result, signal)
        if (signal.aborted) return
        extra.value = more
      }
      result.value = r.result
      // a fetched result carries the job's last state; an unfetched answer only its first
      job.value = (r.result !== r.answer && r.result?.job) || r.job || job.value
      phase.value = 'done'
    } catch (e) {
      if (e?.name === 'AbortError' || signal.aborted) return
      if (e instanceof JobFailedError) {
        job.value = e.job
        error.value = failure(e.job)
      } else {
        error.value = e.message || 'The computation failed.'
      }
      phase.value = 'error'
    }
  }

  /** Ask the server to stop the job; the poller then sees it cancelled (phase 'error'). */
  async function cancel() {
    const current = job.value
    if (!current?.id || TERMINAL_STATUSES.has(current.status)) return
    try {
      await jobsApi.cancel(current.id)
    } catch (e) {
      if (e?.status !== 409) throw e // 409: it finished meanwhile, and the poller will say how
    }
  }

  function reset() {
    controller?.abort()
    clear('idle')
  }

  onScopeDispose(() => controller?.abort())
  return { phase, job, result, extra, error, run, start, cancel, reset, retry: () => lastTask && start(lastTask) }
}
