/**
 * The real numbers a teaching view needs for one layer, in full precision (float32, as the
 * network computed them): what the layer reads (the previous layer's activation, or the
 * preprocessed image for the first layer), what it gives, and its weights.
 *
 * The overview holds activations in half precision to halve the bytes; written-out arithmetic
 * must add up to the network's own value, so these views fetch float32 once, on request.
 */
import { onScopeDispose, shallowRef, toValue, watch } from 'vue'
import { withQuery } from '@/api/client'
import { analysesApi } from '@/api/endpoints/analyses'
import { parseNpy } from '@/api/npy'
import { sessionCache, sessionEpoch } from '@/lib/session-caches'

// url → Promise<{shape, data}>: hovering and switching channels never refetch an array.
const CACHE = sessionCache('layer-io', { max: 24 })

/**
 * Fetch one .npy (float32) once; later calls share the same promise. A layer the server no
 * longer keeps (a large network's storage budget) answers 202 with a recompute job: wait for it.
 */
export function fetchArray(url, { signal } = {}) {
  const key = withQuery(url, 'dtype', 'float32')
  if (!CACHE.has(key)) {
    const promise = analysesApi.layer(url, { dtype: 'float32' }).then(parseNpy)
    promise.catch(() => CACHE.get(key) === promise && CACHE.delete(key))
    CACHE.set(key, promise, sessionEpoch())
    return withSignal(promise, signal)
  }
  return withSignal(CACHE.get(key), signal)
}

/** The shared promise, abandoned (not cancelled: others may wait on it) when `signal` aborts. */
function withSignal(promise, signal) {
  if (!signal) return promise
  return new Promise((resolve, reject) => {
    const abort = () => reject(new DOMException('Aborted', 'AbortError'))
    if (signal.aborted) return abort()
    signal.addEventListener('abort', abort, { once: true })
    promise.then(resolve, reject)
  })
}

/** The analysis's activation URL of the layer called `name`, or null (e.g. the input layer). */
export function activationUrl(analysis, name) {
  return (analysis?.layers || []).find((l) => l.name === name)?.url || null
}

/** What `layer` reads: the inbound layer's activation, or the network's preprocessed input. */
export function inputUrl(analysis, layer) {
  const source = layer?.inbound?.[0]
  return (source && activationUrl(analysis, source)) || analysis?.input?.url || null
}

/**
 * Load {input, output, weights: {part: {shape, data}}, extra: {key: {shape, data}}} for one layer.
 * `weights` lists the parts wanted (those the layer lacks are skipped); `extra` maps a key to
 * any other URL (e.g. the next dense layer's kernel, for the flatten view).
 */
export async function loadLayerIO(analysis, layer, { weights = [], extra = {}, signal } = {}) {
  const urls = layer.weight_urls || { kernel: layer.kernel_url, bias: layer.bias_url }
  const wanted = weights.filter((part) => urls[part])
  const [input, output, ...rest] = await Promise.all([
    fetchArray(inputUrl(analysis, layer), { signal }),
    fetchArray(activationUrl(analysis, layer.name), { signal }),
    ...wanted.map((part) => fetchArray(urls[part], { signal })),
    ...Object.values(extra).map((url) => fetchArray(url, { signal })),
  ])
  const out = { input, output, weights: {}, extra: {} }
  wanted.forEach((part, i) => (out.weights[part] = rest[i]))
  Object.keys(extra).forEach((key, i) => (out.extra[key] = rest[wanted.length + i]))
  return out
}

/**
 * Reactive wrapper: `state` is null (not asked), {status: 'loading'}, {status: 'ready', ...io}
 * or {status: 'error', error}. Reloads when the analysis, the layer or the options change;
 * `enabled` false fetches nothing.
 */
export function useLayerIO(analysisRef, layerRef, optionsRef = () => ({}), enabledRef = () => true) {
  const state = shallowRef(null)
  let controller = null
  watch(
    () => [toValue(analysisRef), toValue(layerRef), toValue(optionsRef), toValue(enabledRef)],
    async ([analysis, layer, options, enabled]) => {
      controller?.abort()
      if (!enabled || !analysis || !layer || !activationUrl(analysis, layer.name)) {
        state.value = null
        return
      }
      controller = new AbortController()
      const { signal } = controller
      state.value = { status: 'loading' }
      try {
        const io = await loadLayerIO(analysis, layer, { ...options, signal })
        if (!signal.aborted) state.value = { status: 'ready', ...io }
      } catch (e) {
        if (!signal.aborted && e?.name !== 'AbortError')
          state.value = { status: 'error', error: e.message || 'Could not load the numbers.' }
      }
    },
    { immediate: true },
  )
  onScopeDispose(() => controller?.abort())
  return { state }
}
