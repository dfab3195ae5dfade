import { computed } from 'vue'
import { useQueryState } from '@/composables/use-query-state'
import { buildExplainQuery, parseExplainQuery } from '../url-state'

/**
 * The Explain selection lives in the URL query, so a reload or a shared link restores the view.
 */
export function useExplainSelection() {
  const { state, update } = useQueryState(parseExplainQuery, buildExplainQuery)
  const pick = (k) => computed(() => state.value[k])

  return {
    state,
    dataset: pick('dataset'),
    network: pick('network'),
    sample: pick('sample'),
    image: pick('image'),
    method: pick('method'),
    target: pick('target'),
    compare: pick('compare'),
    layer: pick('layer'),
    part: pick('part'),
    update,
    setDataset: (name, opts) =>
      update({ dataset: name, network: null, sample: null, image: null, target: null, layer: null }, opts),
    setNetwork: (id, opts) => update({ network: id, target: null, layer: null }, opts),
    setSample: (index) => update({ sample: index, image: null, target: null }),
    setImage: (id) => update({ image: id, sample: null, target: null }),
    setMethod: (m) => update({ method: m }),
    setTarget: (t) => update({ target: t }, { replace: true }),
    setCompare: (list) => update({ compare: list }, { replace: true }),
    setLayer: (l) => update({ layer: l }, { replace: true }),
    setPart: (p) => update({ part: p }, { replace: true }),
  }
}
