import { onScopeDispose, ref, shallowRef } from 'vue'
import { pollJob } from '@/composables/use-job-poller'

/**
 * Create a server-side computation, follow its job to the end, then read the finished object.
 * `create()` returns `{id, job, summary, …}` (HTTP 202); `get(id)` reads it again when done.
 */
export async function runJob(create, get, { signal, onCreated, onJob } = {}) {
  const created = await create(signal)
  onCreated?.(created)
  const final = await pollJob(created.job, { signal, onUpdate: (j) => onJob?.(j) })
  if (final.status !== 'succeeded') {
    throw new Error(
      final.message ||
        (final.status === 'cancelled' ? 'The job was cancelled.' : 'The computation failed on the server.'),
    )
  }
  return created.job.status === 'succeeded' && created.summary ? created : get(created.id, signal)
}

/**
 * One job-backed result at a time: a newer run cancels the older one.
 * phase: 'idle' → 'starting' → 'running' → ('loading' while `then` fetches artifacts) → 'done' | 'error'
 * @param {(result: object, signal: AbortSignal) => Promise<any>} [then] extra work after the job (e.g. .npy files)
 */
export function useJobRun(then = null) {
  const phase = ref('idle')
  const job = ref(null)
  const result = shallowRef(null)
  const extra = shallowRef(null)
  const error = ref('')
  let controller = null
  let last = null

  async function run(create, get) {
    controller?.abort()
    controller = new AbortController()
    const { signal } = controller
    last = [create, get]
    phase.value = 'starting'
    error.value = ''
    job.value = null
    result.value = null
    extra.value = null
    try {
      const r = await runJob(create, get, {
        signal,
        onCreated: (c) => {
          phase.value = 'running'
          job.value = c.job
        },
        onJob: (j) => (job.value = j),
      })
      if (signal.aborted) return
      if (then) {
        phase.value = 'loading'
        extra.value = await then(r, signal)
        if (signal.aborted) return
      }
      result.value = r
      job.value = r.job || job.value
      phase.value = 'done'
    } catch (e) {
      if (e?.name === 'AbortError') return
      error.value = e.message || 'The computation failed.'
      phase.value = 'error'
    }
  }

  function reset() {
    controller?.abort()
    phase.value = 'idle'
    job.value = null
    result.value = null
    extra.value = null
    error.value = ''
  }

  onScopeDispose(() => controller?.abort())
  return { phase, job, result, extra, error, run, reset, retry: () => last && run(...last) }
}
