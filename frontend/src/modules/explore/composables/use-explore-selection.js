import { computed } from 'vue'
import { useQueryState } from '@/composables/use-query-state'
import { buildExploreQuery, parseExploreQuery } from '../url-state'

/**
 * The Explore selection (dataset, network, sample index or uploaded image id, open layer, colour
 * scope) lives in the URL query, so a reload, back/forward or a shared link restores the view.
 */
export function useExploreSelection() {
  const { state, update } = useQueryState(parseExploreQuery, buildExploreQuery)

  const dataset = computed(() => state.value.dataset)
  const network = computed(() => state.value.network)
  const sample = computed(() => state.value.sample)
  const image = computed(() => state.value.image)
  const layer = computed(() => state.value.layer)
  const scope = computed(() => state.value.scope)
  const epoch = computed(() => state.value.epoch)

  return {
    dataset,
    network,
    sample,
    image,
    layer,
    scope,
    epoch,
    update,
    setDataset: (name, opts) =>
      update({ dataset: name, network: null, sample: null, image: null, layer: null, epoch: null }, opts),
    setNetwork: (id, opts) => update({ network: id, layer: null, epoch: null }, opts),
    // the slider moves often: one history entry per drag would flood back / forward
    setEpoch: (n) => update({ epoch: n }, { replace: true }),
    setSample: (index) => update({ sample: index, image: null }),
    setImage: (id) => update({ image: id, sample: null }),
    // every view change is a history entry, so back / forward walk through the views
    setLayer: (name) => update({ layer: name }),
    setScope: (s) => update({ scope: s }),
  }
}
