import { markRaw, onScopeDispose, shallowRef, watch } from 'vue'
import { api, withQuery } from '@/api/client'
import { parseNpy } from '@/api/npy'
import { mapLayout } from '../layer-info'

/**
 * Fetch each layer's activation (.npy) one at a time, in layer order, as float16 to halve the
 * bytes (the parser widens it to float32). Result: { [layerName]: state }, where state is
 * { status: 'pending'|'loading'|'ready'|'error', layout, data, min, max, vmax, error }.
 * The colour scope is per layer: vmax = max |value| over the whole layer.
 */
export function useLayerActivations(analysisRef) {
  const maps = shallowRef({})
  let controller = null

  function set(name, state) {
    maps.value = { ...maps.value, [name]: state }
  }

  async function load(analysis) {
    controller?.abort()
    controller = new AbortController()
    const { signal } = controller
    const layers = (analysis?.layers || []).filter((l) => l.url)
    maps.value = Object.fromEntries(layers.map((l) => [l.name, { status: 'pending' }]))
    for (const layer of layers) {
      if (signal.aborted) return
      set(layer.name, { status: 'loading' })
      try {
        const buf = await api.binary(withQuery(layer.url, 'dtype', 'float16'), { signal })
        const { shape, data } = parseNpy(buf)
        let min = Infinity
        let max = -Infinity
        for (let i = 0; i < data.length; i++) {
          const v = data[i]
          if (v < min) min = v
          if (v > max) max = v
        }
        if (!Number.isFinite(min)) min = max = 0
        set(layer.name, {
          status: 'ready',
          layout: mapLayout(shape),
          shape,
          data: markRaw(data),
          min,
          max,
          vmax: Math.max(Math.abs(min), Math.abs(max)) || 1,
        })
      } catch (e) {
        if (e?.name === 'AbortError') return
        set(layer.name, { status: 'error', error: e.message || 'Could not load this layer.' })
      }
    }
  }

  watch(analysisRef, load, { immediate: true })
  onScopeDispose(() => controller?.abort())
  return { maps }
}
