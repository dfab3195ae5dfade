import { jobsApi } from '@/api/endpoints/jobs'

/** Job polling: first delay, growth factor, ceiling (ms). */
export const POLL = { firstMs: 150, factor: 1.5, maxMs: 2000 }

export const TERMINAL_STATUSES = new Set(['succeeded', 'failed', 'cancelled'])

const sleep = (ms, signal) =>
  new Promise((resolve, reject) => {
    const t = setTimeout(resolve, ms)
    signal?.addEventListener(
      'abort',
      () => {
        clearTimeout(t)
        reject(new DOMException('Polling stopped', 'AbortError'))
      },
      { once: true },
    )
  })

/**
 * Poll GET /api/jobs/{id}/ until the job is succeeded, failed or cancelled.
 * Starts fast (≈150 ms: most cached or small jobs finish at once) and backs off to 2 s.
 *
 * @param {object} job the job as first returned (may already be terminal)
 * @param {{onUpdate?: (job: object) => void, signal?: AbortSignal}} [opts]
 * @returns {Promise<object>} the terminal job
 */
export async function pollJob(job, { onUpdate, signal } = {}) {
  let current = job
  let delay = POLL.firstMs
  onUpdate?.(current)
  while (!TERMINAL_STATUSES.has(current.status)) {
    await sleep(delay, signal)
    current = await jobsApi.get(current.id, { signal })
    onUpdate?.(current)
    delay = Math.min(POLL.maxMs, Math.round(delay * POLL.factor))
  }
  return current
}
