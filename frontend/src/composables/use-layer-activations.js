import { computed, markRaw, onScopeDispose, shallowRef, watch } from 'vue'
import { withQuery } from '@/api/client'
import { artifactsApi } from '@/api/endpoints/artifacts'
import { parseNpy } from '@/api/npy'
import { parseBundle } from '@/api/bundle'
import { markPerf } from '@/composables/perf'
import { sessionCache, sessionEpoch } from '@/lib/session-caches'
import { mapLayout } from '@/lib/layer-info'
import { layerStats, networkVmax } from '@/lib/scope'

// Results of the last few analyses, so going back to one (history, scope, layer) needs no request.
const CACHE = sessionCache('layer-activations', { max: 4 }) // analysis id → { [layerName]: ready state }

/** Fetch and parse one activation array: a ready state {status, layout, shape, data, stats...}. */
export async function fetchActivation(url, { signal } = {}) {
  const buf = await artifactsApi.binary(withQuery(url, 'dtype', 'float16'), { signal })
  const { shape, data } = parseNpy(buf)
  return readyState(shape, data)
}

/** Every layer in one request (the analysis's activations_url): { [layerName]: ready state }. */
export async function fetchAllActivations(url, { signal } = {}) {
  const buf = await artifactsApi.binary(withQuery(url, 'dtype', 'float16'), { signal })
  return Object.fromEntries(parseBundle(buf).map((l) => [l.name, readyState(l.shape, l.data)]))
}

function readyState(shape, data) {
  const layout = mapLayout(shape)
  const stats = layerStats(data, layout)
  return {
    status: 'ready',
    layout,
    shape,
    data: markRaw(data),
    stats: markRaw(stats),
    min: stats.min,
    max: stats.max,
    vmax: stats.vmax || 1,
  }
}

/**
 * Fetch each layer's activation (.npy, float16 to halve the bytes) once per analysis, all in parallel, and keep them in memory: the overview and the layer view share them.
 * maps: { [layerName]: { status: 'pending'|'loading'|'ready'|'error', ... } }
 * input: the preprocessed input ("what the network sees"), same state shape.
 * networkVmax: the largest |activation| over all ready layers (the whole-network colour scope).
 */
export function useLayerActivations(analysisRef) {
  const maps = shallowRef({})
  const input = shallowRef(null)
  let controller = null

  // Layers arrive a few at a time; they go on screen in batches (the first at once, then at most
  // every FLUSH_MS, the last as soon as everything is in), so the page re-renders a handful of
  // times instead of once per layer and the main thread stays free to take the next answers.
  const FLUSH_MS = 100
  let queued = {}
  let scheduled = false
  let lastFlush = 0
  function flush() {
    scheduled = false
    const batch = queued
    queued = {}
    if (!Object.keys(batch).length) return
    lastFlush = performance.now()
    maps.value = { ...maps.value, ...batch }
  }
  function set(name, state) {
    queued[name] = state
    if (scheduled) return
    scheduled = true
    setTimeout(flush, Math.max(0, lastFlush + FLUSH_MS - performance.now()))
  }

  async function load(analysis) {
    controller?.abort()
    controller = new AbortController()
    const { signal } = controller
    const askedIn = sessionEpoch()
    input.value = null
    queued = {}
    lastFlush = 0
    const layers = (analysis?.layers || []).filter((l) => l.url)
    if (!analysis) {
      maps.value = {}
      return
    }
    if (analysis.input?.url) {
      fetchActivation(analysis.input.url, { signal })
        .then((s) => !signal.aborted && (input.value = s))
        .catch((e) => e?.name !== 'AbortError' && (input.value = { status: 'error', error: e.message }))
    }
    const cached = CACHE.get(analysis.id)
    if (cached && layers.every((l) => cached[l.name])) {
      maps.value = { ...cached }
      return
    }
    maps.value = Object.fromEntries(layers.map((l) => [l.name, { status: 'loading' }]))
    if (analysis.activations_url) {
      // One request for every layer: far fewer round trips than one per layer (26 for deep-bn).
      try {
        const store = await fetchAllActivations(analysis.activations_url, { signal })
        if (signal.aborted) return
        markPerf('cs:layers-arrived')
        maps.value = { ...store }
        CACHE.set(analysis.id, store, askedIn)
        return
      } catch (e) {
        if (e?.name === 'AbortError' || signal.aborted) return
        // fall through: fetch the layers one by one
      }
    }
    const store = {}
    // every request at once: the browser keeps its connections busy (six per host) while earlier
    // answers are parsed and painted
    await Promise.all(
      layers.map(async (layer) => {
        try {
          const state = await fetchActivation(layer.url, { signal })
          store[layer.name] = state
          if (!signal.aborted) set(layer.name, state)
        } catch (e) {
          if (e?.name === 'AbortError' || signal.aborted) return
          set(layer.name, { status: 'error', error: e.message || 'Could not load this layer.' })
        }
      }),
    )
    if (signal.aborted) return
    markPerf('cs:layers-arrived')
    flush()
    if (!signal.aborted && Object.keys(store).length === layers.length) {
      CACHE.set(analysis.id, store, askedIn)
    }
  }

  const vmaxNetwork = computed(() =>
    networkVmax(
      Object.values(maps.value)
        .filter((s) => s.status === 'ready')
        .map((s) => s.stats),
    ),
  )
  const allReady = computed(() => {
    const states = Object.values(maps.value)
    return states.length > 0 && states.every((s) => s.status === 'ready' || s.status === 'error')
  })

  watch(analysisRef, load, { immediate: true })
  onScopeDispose(() => controller?.abort())
  return { maps, input, networkVmax: vmaxNetwork, allReady }
}
