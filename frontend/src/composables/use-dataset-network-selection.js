/**
 * The picking sequence every page with a dataset and a network repeats (Explore, Explain, Evaluate):
 * load the datasets and choose a default one, load the chosen dataset's networks (and samples)
 * and choose its most accurate network, load the chosen network's structure. The selection itself
 * lives in the page's URL state (`sel`), so back / forward and shared links restore it.
 */
import { computed, ref, watch } from 'vue'
import { datasetsApi } from '@/api/endpoints/datasets'
import { networksApi } from '@/api/endpoints/networks'
import { NO_DATASET } from '@/config/datasets'
import { useResource } from '@/composables/use-resource'

/** Whether the server has network `id` for you: false only on its 404 (other errors are not "missing"). */
async function networkExists(id) {
  try {
    await networksApi.get(id)
    return true
  } catch (e) {
    return e?.status !== 404
  }
}

/** The first usable dataset, preferring one that has a network to look at. */
export function defaultDataset(list) {
  const usable = (list || []).filter((d) => d.available !== false)
  return usable.find((d) => d.network_count > 0) || usable[0] || null
}

/** The network with the best test accuracy (networks never measured come last). */
export function mostAccurate(list) {
  return [...(list || [])].sort((a, b) => (b.test_accuracy ?? -1) - (a.test_accuracy ?? -1))[0] || null
}

/**
 * @param {{dataset: import('vue').Ref<string|null>, network: import('vue').Ref<any>,
 *          update: Function, setDataset: Function, setNetwork: Function}} sel the page's URL selection
 * @param {{samples?: boolean, withoutDataset?: boolean}} [opts]
 *   samples: also load the chosen dataset's sample images;
 *   withoutDataset: the page offers NO_DATASET (networks registered without one), so a link to such a
 *   network opens it there. A link naming a network or dataset that does not exist sets `missing`
 *   ({kind: 'network'|'dataset', value}) for the page to say so; no other network is opened in its place.
 */
export function useDatasetNetworkSelection(sel, { samples: withSamples = false, withoutDataset = false } = {}) {
  const datasets = useResource((signal) => datasetsApi.list({ signal }))
  const networks = useResource((signal, name) => networksApi.list(name, { signal }))
  const samples = useResource((signal, name) => datasetsApi.samples(name, { signal }))
  const networkDetail = useResource((signal, id) => networksApi.get(id, { signal }))

  // the chosen network as its dataset lists it (null until that list is in)
  const listedNetwork = computed(
    () => (networks.data.value || []).find((n) => String(n.id) === String(sel.network.value)) || null,
  )
  const currentDataset = computed(() => (datasets.data.value || []).find((d) => d.name === sel.dataset.value) || null)
  // a network the URL named that the server does not have (or does not show you): said on the page,
  // never silently replaced by another network
  const missingNetwork = ref(null)
  watch(sel.network, (id) => {
    if (String(id) !== String(missingNetwork.value)) missingNetwork.value = null
  })
  // a dataset the URL named that is not in the list
  const missingDataset = computed(() => {
    const name = sel.dataset.value
    const list = datasets.data.value
    if (!name || name === NO_DATASET || !list) return null
    return list.some((d) => d.name === name) ? null : name
  })
  const missing = computed(() =>
    missingDataset.value
      ? { kind: 'dataset', value: missingDataset.value }
      : missingNetwork.value
        ? { kind: 'network', value: missingNetwork.value }
        : null,
  )

  // 1. datasets → a default, unless the link chose a dataset or a network (its own dataset comes with it)
  const firstLoad = datasets.load()
  firstLoad.then((list) => {
    if (!list || sel.dataset.value || sel.network.value) return
    const first = defaultDataset(list)
    if (first) sel.setDataset(first.name, { replace: true })
  })

  // 2. dataset → its networks (and samples); default to its most accurate network
  watch(
    sel.dataset,
    async (name) => {
      if (!name) {
        networks.reset()
        samples.reset()
        return
      }
      const known = await firstLoad
      if (name !== NO_DATASET && known && !known.some((d) => d.name === name)) {
        // no such dataset: say so (missingDataset) instead of asking the server for its samples
        networks.reset()
        samples.reset()
        return
      }
      if (withSamples && name !== NO_DATASET) samples.load(name)
      else samples.reset()
      const list = await networks.load(name)
      const named = sel.network.value
      if (list && list.length && !list.some((n) => String(n.id) === String(named))) {
        if (named && !(await networkExists(named))) {
          if (String(sel.network.value) === String(named)) missingNetwork.value = named
          return
        }
        sel.setNetwork(mostAccurate(list).id, { replace: true })
      }
    },
    { immediate: true },
  )

  // 3. network → its structure; a link that gave only the network opens the network's dataset
  watch(
    sel.network,
    async (id) => {
      if (!id) return networkDetail.reset()
      const net = await networkDetail.load(id)
      if (!net && String(sel.network.value) === String(id) && !(await networkExists(id))) {
        missingNetwork.value = id
        return
      }
      if (sel.dataset.value || String(sel.network.value) !== String(id)) return
      if (net?.dataset) sel.update({ dataset: net.dataset }, { replace: true })
      else if (withoutDataset && net) sel.update({ dataset: NO_DATASET }, { replace: true })
    },
    { immediate: true },
  )

  return { datasets, networks, samples, networkDetail, listedNetwork, currentDataset, missing }
}
