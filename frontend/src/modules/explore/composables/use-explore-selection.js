import { computed } from 'vue'
import { useRoute, useRouter } from 'vue-router'
import { buildExploreQuery, parseExploreQuery } from '../url-state'

/**
 * The Explore selection (dataset, network, sample index or uploaded image id, open layer, colour
 * scope) lives in the URL query, so a reload, back/forward or a shared link restores the view.
 */
export function useExploreSelection() {
  const route = useRoute()
  const router = useRouter()
  const state = computed(() => parseExploreQuery(route.query))

  const dataset = computed(() => state.value.dataset)
  const network = computed(() => state.value.network)
  const sample = computed(() => state.value.sample)
  const image = computed(() => state.value.image)
  const layer = computed(() => state.value.layer)
  const scope = computed(() => state.value.scope)
  const epoch = computed(() => state.value.epoch)

  // The query of a navigation still under way: router navigations are asynchronous, so an
  // update made meanwhile (a click while the page picks a default network or epoch) builds on
  // it, not on the route it is leaving, and neither change is lost.
  let pending = null

  /** @param {Record<string, any>} patch null/undefined removes a key */
  function update(patch, { replace = false } = {}) {
    const base = pending ?? route.query
    const query = buildExploreQuery({ ...parseExploreQuery(base), ...patch }, base)
    pending = query
    const done = router[replace ? 'replace' : 'push']({ query })
    return done.finally(() => {
      if (pending === query) pending = null
    })
  }

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
