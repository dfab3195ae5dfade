import { onScopeDispose, ref, shallowRef } from 'vue'
import { pollJob } from '@/composables/use-job-poller'
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
export async function runExplanation(kind, body, { signal, onJob, onCreated } = {}) {
  const key = bodyKey(kind, body)
  if (cache.has(key)) return cache.get(key)
  const askedIn = sessionEpoch()
  const created = await explanationsApi.create(kind, body, { signal })
  onCreated?.(created)
  const final = await pollJob(created.job, { signal, onUpdate: (j) => onJob?.(j) })
  if (final.status !== 'succeeded') {
    throw new Error(
      final.message ||
        (final.status === 'cancelled' ? 'The job was cancelled.' : 'The computation failed on the server.'),
    )
  }
  const explanation =
    created.job.status === 'succeeded' && created.summary
      ? created
      : await explanationsApi.get(kind, created.id, { signal })
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
 * phase: 'idle' → 'starting' → 'running' → 'done' | 'error'
 */
export function useExplanation(kind = 'map') {
  const phase = ref('idle')
  const job = ref(null)
  const explanation = shallowRef(null)
  const map = shallowRef(null)
  const extra = shallowRef(null)
  const error = ref('')
  let controller = null
  let lastBody = null

  async function run(body) {
    controller?.abort()
    controller = new AbortController()
    const { signal } = controller
    lastBody = body
    phase.value = 'starting'
    error.value = ''
    job.value = null
    explanation.value = null
    map.value = null
    extra.value = null
    try {
      const r = await runExplanation(kind, body, {
        signal,
        onCreated: () => (phase.value = 'running'),
        onJob: (j) => (job.value = j),
      })
      if (signal.aborted) return
      explanation.value = r.explanation
      map.value = r.map
      extra.value = r.extra
      job.value = r.explanation.job
      phase.value = 'done'
    } catch (e) {
      if (e?.name === 'AbortError') return
      error.value = e.message || 'The explanation failed.'
      phase.value = 'error'
    }
  }

  function reset() {
    controller?.abort()
    phase.value = 'idle'
    job.value = null
    explanation.value = null
    map.value = null
    extra.value = null
    error.value = ''
  }

  onScopeDispose(() => controller?.abort())
  return { phase, job, explanation, map, extra, error, run, reset, retry: () => lastBody && run(lastBody) }
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
        onCreated: () => set(method, { phase: 'running' }),
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
