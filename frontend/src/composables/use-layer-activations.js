import { computed, markRaw, onScopeDispose, shallowRef, watch } from 'vue'
import { withQuery } from '@/api/client'
import { artifactsApi } from '@/api/endpoints/artifacts'
import { parseNpy } from '@/api/npy'
import { parseBundle } from '@/api/bundle'
import { indexRanges, parsePreviews } from '@/api/previews'
import { analysesApi } from '@/api/endpoints/analyses'
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

/** A large analysis's overview loads previews as columns come into view, not every layer. */
export const PREVIEW_ABOVE_LAYERS = 40
export const PREVIEW_ABOVE_VALUES = 2_000_000
export function wantsPreviews(analysis) {
  const layers = analysis?.layers || []
  if (!analysis?.previews_url) return false
  const values = layers.reduce((sum, l) => sum + (l.shape || []).reduce((a, b) => a * (b || 1), 1), 0)
  return layers.length > PREVIEW_ABOVE_LAYERS || values > PREVIEW_ABOVE_VALUES
}

/** A preview as a ready state the overview draws like a full one (marked preview: true). */
export function previewState(p) {
  let full = [...p.fullShape]
  if ((full.length === 4 || full.length === 2) && full[0] === 1) full = full.slice(1)
  const [, w, k] = p.shape
  const layout = full.length <= 1 ? { kind: 'vector', n: w } : mapLayout(p.shape)
  const stats = layerStats(p.data, layout)
  const [lo, hi] = p.scale
  const vmax = Math.max(Math.abs(lo), Math.abs(hi))
  Object.assign(stats, { min: lo, max: hi, vmax })
  return {
    status: 'ready',
    preview: true,
    fullShape: full,
    totalChannels: full.length === 3 ? full[2] : k,
    layout,
    shape: p.shape,
    data: markRaw(p.data),
    stats: markRaw(stats),
    min: lo,
    max: hi,
    vmax: vmax || 1,
  }
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
  const mode = shallowRef('full') // 'full': every layer's values; 'preview': previews in view
  const opened = shallowRef(null) // preview mode: the opened layer's full values {name, state}
  let controller = null
  let current = null // preview mode: {analysis, signal}
  const wanted = new Set()
  const fullCache = new Map() // layer name → full ready state (the last few opened)
  const FULL_KEEP = 3

  /** Preview mode: fetch the previews of these layers (names) unless asked for already. */
  function want(names) {
    if (!current) return
    let added = false
    for (const name of names) {
      if (maps.value[name]?.status !== 'pending' || wanted.has(name)) continue
      wanted.add(name)
      added = true
    }
    if (added) setTimeout(fetchWanted, 0)
  }
  async function fetchWanted() {
    if (!current || !wanted.size) return
    const { analysis, signal } = current
    const indexOf = new Map(analysis.layers.map((l) => [l.name, l.index]))
    const names = [...wanted].filter((n) => indexOf.has(n))
    wanted.clear()
    maps.value = { ...maps.value, ...Object.fromEntries(names.map((n) => [n, { status: 'loading' }])) }
    await Promise.all(
      indexRanges(names.map((n) => indexOf.get(n))).map(async ([from, to]) => {
        const inRange = analysis.layers.filter((l) => l.index >= from && l.index < to).map((l) => l.name)
        try {
          const parts = parsePreviews(await analysesApi.previews(analysis.previews_url, from, to, { signal }))
          if (signal.aborted) return
          const batch = Object.fromEntries(parts.map((p) => [p.name, previewState(p)]))
          for (const n of inRange)
            if (!batch[n] && maps.value[n]?.status === 'loading') batch[n] = { status: 'error', error: 'no preview' }
          maps.value = { ...maps.value, ...batch }
        } catch (e) {
          if (e?.name === 'AbortError' || signal.aborted) return
          const failed = Object.fromEntries(
            inRange
              .filter((n) => maps.value[n]?.status === 'loading')
              .map((n) => [n, { status: 'error', error: e.message }]),
          )
          maps.value = { ...maps.value, ...failed }
        }
      }),
    )
    if (!signal.aborted) markPerf('cs:previews-arrived')
  }

  /** Preview mode: load the full values of the opened layer (null: none opened). */
  async function focus(name) {
    if (!current || !name) {
      opened.value = null
      return
    }
    const { analysis, signal } = current
    const layer = analysis.layers.find((l) => l.name === name)
    if (!layer) {
      opened.value = null
      return
    }
    if (fullCache.has(name)) {
      opened.value = { name, state: fullCache.get(name) }
      return
    }
    opened.value = { name, state: { status: 'loading' } }
    try {
      const { shape, data } = parseNpy(
        await analysesApi.layer(layer.url, {
          signal,
          onPending: () =>
            opened.value?.name === name && (opened.value = { name, state: { status: 'loading', recomputing: true } }),
        }),
      )
      if (signal.aborted) return
      const state = readyState(shape, data)
      fullCache.set(name, state)
      while (fullCache.size > FULL_KEEP) fullCache.delete(fullCache.keys().next().value)
      if (opened.value?.name === name) opened.value = { name, state }
    } catch (e) {
      if (e?.name === 'AbortError' || signal.aborted) return
      if (opened.value?.name === name) opened.value = { name, state: { status: 'error', error: e.message } }
    }
  }

  /** The values the layer view shows for a layer: full ones (never a preview). */
  function layerState(name) {
    if (mode.value === 'full') return maps.value[name] || null
    return opened.value?.name === name ? opened.value.state : { status: 'loading' }
  }

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
    current = null
    wanted.clear()
    opened.value = null
    fullCache.clear()
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
    if (wantsPreviews(analysis)) {
      // previews of the columns in view, asked for by want(); full values only for an opened layer
      mode.value = 'preview'
      current = { analysis, signal }
      maps.value = Object.fromEntries(layers.map((l) => [l.name, { status: 'pending' }]))
      return
    }
    mode.value = 'full'
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
    if (mode.value === 'preview') {
      // the first paint: every preview asked for so far has come
      return states.some((s) => s.status === 'ready') && !states.some((s) => s.status === 'loading')
    }
    return states.length > 0 && states.every((s) => s.status === 'ready' || s.status === 'error')
  })

  watch(analysisRef, load, { immediate: true })
  onScopeDispose(() => controller?.abort())
  return { maps, input, networkVmax: vmaxNetwork, allReady, mode, want, focus, layerState, opened }
}
