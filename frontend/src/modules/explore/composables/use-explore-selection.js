import { computed } from 'vue'
import { useRoute, useRouter } from 'vue-router'

const str = (v) => (Array.isArray(v) ? v[0] : v) ?? null

/**
 * The Explore selection (dataset, network, sample index or uploaded image id) lives in the URL
 * query, so a reload or a shared link restores it. Everything else derives from it.
 */
export function useExploreSelection() {
  const route = useRoute()
  const router = useRouter()

  const dataset = computed(() => str(route.query.dataset))
  const network = computed(() => str(route.query.network))
  const sample = computed(() => {
    const s = str(route.query.sample)
    return s !== null && /^\d+$/.test(s) ? Number(s) : null
  })
  const image = computed(() => str(route.query.image))

  /** @param {Record<string, any>} patch null/undefined removes a key */
  function update(patch, { replace = false } = {}) {
    const query = { ...route.query }
    for (const [k, v] of Object.entries(patch)) {
      if (v === null || v === undefined || v === '') delete query[k]
      else query[k] = String(v)
    }
    return router[replace ? 'replace' : 'push']({ query })
  }

  return {
    dataset,
    network,
    sample,
    image,
    update,
    setDataset: (name, opts) => update({ dataset: name, network: null, sample: null, image: null }, opts),
    setNetwork: (id, opts) => update({ network: id }, opts),
    setSample: (index) => update({ sample: index, image: null }),
    setImage: (id) => update({ image: id, sample: null }),
  }
}
