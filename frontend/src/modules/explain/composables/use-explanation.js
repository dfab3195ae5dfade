import { computed, onScopeDispose, ref } from 'vue'
import { runJob, useJobRun } from '@/composables/use-job-run'
import { sessionCache, sessionEpoch } from '@/lib/session-caches'
import { artifactsApi } from '@/api/endpoints/artifacts'
import { explanationsApi } from '@/api/endpoints/explanations'

// finished results of this session, by request: switching back to a method is instant
const cache = sessionCache('explanations', { max: 64 })

/** A stable key for a request body (keys sorted). */
export function bodyKey(kind, body) {
  const sorted = (v) =>
    v && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(
          Object.keys(v)
            .sort()
            .map((k) => [k, sorted(v[k])]),
        )
      : v
  return `${kind}:${JSON.stringify(sorted(body))}`
}

/**
 * Create an explanation (kind 'map') or trust check (kind 'trust'), follow its job until it
 * finishes, then read the finished object and its map.
 * @returns {Promise<{explanation: object, map: {shape: number[], data: Float32Array}, extra: object|null}>}
 */
export async function runExplanation(kind, body, hooks = {}) {
  const key = bodyKey(kind, body)
  if (cache.has(key)) return cache.get(key)
  const askedIn = sessionEpoch()
  const { signal } = hooks
  const { result: explanation } = await runJob(
    {
      submit: (s) => explanationsApi.create(kind, body, { signal: s }),
      fetch: (answer, _job, s) => explanationsApi.get(kind, answer.id, { signal: s }),
    },
    hooks,
  )
  const map = explanation.map_url ? await artifactsApi.npy(explanation.map_url, 'float32', { signal }) : null
  let extra = null
  if (kind === 'trust' && explanation.randomisation_maps_url) {
    extra = { randomisationMaps: await artifactsApi.npy(explanation.randomisation_maps_url, 'float16', { signal }) }
  }
  const result = { explanation, map, extra }
  cache.set(key, result, askedIn)
  return result
}

/**
 * One explanation at a time (the main view): a newer run cancels the older one.
 * phase: 'idle' → 'starting' → 'running' → 'loading' → 'done' | 'error'
 */
export function useExplanation(kind = 'map') {
  const job = useJobRun()
  const done = (key) => computed(() => job.result.value?.[key] ?? null)

  function run(body) {
    return job.start(async (hooks) => {
      const result = await runExplanation(kind, body, hooks)
      return { result, job: result.explanation.job }
    })
  }

  return {
    phase: job.phase,
    job: job.job,
    explanation: done('explanation'),
    map: done('map'),
    extra: done('extra'),
    error: job.error,
    run,
    reset: job.reset,
    retry: job.retry,
  }
}

/**
 * Several explanations keyed by method (the small multiples, the trust checks): each entry is
 * {phase, job, explanation, map, extra, error}. `runAll` replaces the set; entries run in parallel.
 */
export function useExplanationSet(kind = 'map') {
  const entries = ref({})
  let controller = null
  const bodies = {}

  function set(method, patch) {
    entries.value = { ...entries.value, [method]: { ...(entries.value[method] || {}), ...patch } }
  }

  async function runOne(method, body, signal) {
    bodies[method] = body
    set(method, { phase: 'starting', job: null, explanation: null, map: null, extra: null, error: '' })
    try {
      const r = await runExplanation(kind, body, {
        signal,
        onSubmitted: () => set(method, { phase: 'running' }),
        onJob: (j) => set(method, { job: j }),
      })
      if (signal.aborted) return
      set(method, { phase: 'done', explanation: r.explanation, map: r.map, extra: r.extra, job: r.explanation.job })
    } catch (e) {
      if (e?.name === 'AbortError') return
      set(method, { phase: 'error', error: e.message || 'This method failed.' })
    }
  }

  /** @param {Record<string, object>} bodiesByMethod */
  function runAll(bodiesByMethod) {
    controller?.abort()
    controller = new AbortController()
    const { signal } = controller
    entries.value = {}
    return Promise.all(Object.entries(bodiesByMethod).map(([m, b]) => runOne(m, b, signal)))
  }

  function retry(method) {
    if (!bodies[method] || !controller) return
    runOne(method, bodies[method], controller.signal)
  }

  function reset() {
    controller?.abort()
    controller = null
    entries.value = {}
  }

  onScopeDispose(() => controller?.abort())
  return { entries, runAll, retry, reset }
}
