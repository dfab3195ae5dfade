import { computed } from 'vue'
import { useQueryState } from '@/composables/use-query-state'
import { buildEvaluateQuery, parseEvaluateQuery } from '../url-state'

/** The Evaluate selection lives in the URL query, so a reload or a shared link restores the view. */
export function useEvaluateSelection() {
  const { state, update } = useQueryState(parseEvaluateQuery, buildEvaluateQuery)
  const pick = (k) => computed(() => state.value[k])

  const cleared = { true: null, pred: null, box: null, example: null }

  return {
    state,
    dataset: pick('dataset'),
    network: pick('network'),
    trueClass: pick('true'),
    predClass: pick('pred'),
    box: pick('box'),
    example: pick('example'),
    method: pick('method'),
    points: pick('points'),
    color: pick('color'),
    layer: pick('layer'),
    update,
    setDataset: (name, opts) => update({ dataset: name, network: null, ...cleared, method: null, layer: null }, opts),
    setNetwork: (id, opts) => update({ network: id, ...cleared, method: null, layer: null }, opts),
    openCell: (t, p) => update({ ...cleared, true: t, pred: p }),
    openBox: (box) => update({ ...cleared, box }),
    closeSelection: () => update({ ...cleared }),
    setExample: (index) => update({ example: index }, { replace: true }),
    // a box drawn on the old scatter means nothing on a new one
    startEmbedding: (method, points) =>
      update({ method, points, ...(state.value.box ? { box: null, example: null } : {}) }),
    setColor: (color) => update({ color }, { replace: true }),
    startTop: (layer) => update({ layer }),
  }
}
