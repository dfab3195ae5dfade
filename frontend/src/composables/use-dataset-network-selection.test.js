import { effectScope, ref } from 'vue'
import { describe, expect, it, vi } from 'vitest'

const NETWORKS = {
  'fashion-mnist': [
    { id: 1, dataset: 'fashion-mnist', test_accuracy: 0.8 },
    { id: 2, dataset: 'fashion-mnist', test_accuracy: 0.9 },
  ],
}
vi.mock('@/api/endpoints/datasets', () => ({
  datasetsApi: {
    list: vi.fn(async () => [
      { name: 'broken', available: false, network_count: 3 },
      { name: 'empty', network_count: 0 },
      { name: 'fashion-mnist', network_count: 2 },
    ]),
    samples: vi.fn(async () => [{ index: 0 }]),
  },
}))
vi.mock('@/api/endpoints/networks', () => ({
  networksApi: {
    list: vi.fn(async (name) => NETWORKS[name] || []),
    get: vi.fn(async (id) => {
      if (String(id) === '404') throw Object.assign(new Error('not found'), { status: 404 })
      return { id: Number(id), dataset: id === '7' ? null : 'fashion-mnist', layers: [] }
    }),
  },
}))
const { useDatasetNetworkSelection, defaultDataset, mostAccurate } = await import('./use-dataset-network-selection')

/** A URL selection kept in plain refs, with the setters the pages' selections have. */
function fakeSelection(initial = {}) {
  const dataset = ref(initial.dataset ?? null)
  const network = ref(initial.network ?? null)
  const update = (patch) => {
    if ('dataset' in patch) dataset.value = patch.dataset
    if ('network' in patch) network.value = patch.network
  }
  return {
    dataset,
    network,
    update,
    setDataset: (name) => update({ dataset: name, network: null }),
    setNetwork: (id) => update({ network: String(id) }),
  }
}
const settle = () => new Promise((resolve) => setTimeout(resolve, 0))

describe('default choices', () => {
  it('prefers an available dataset with networks, then the most accurate network', () => {
    expect(
      defaultDataset([
        { name: 'a', network_count: 0 },
        { name: 'b', network_count: 1 },
      ]).name,
    ).toBe('b')
    expect(defaultDataset([{ name: 'a', available: false }])).toBe(null)
    expect(
      mostAccurate([
        { id: 1, test_accuracy: null },
        { id: 2, test_accuracy: 0.1 },
      ]).id,
    ).toBe(2)
  })
})

describe('useDatasetNetworkSelection', () => {
  it('chooses the default dataset, its most accurate network, and loads samples and structure', async () => {
    const sel = fakeSelection()
    const scope = effectScope()
    const picked = scope.run(() => useDatasetNetworkSelection(sel, { samples: true }))
    for (let i = 0; i < 5; i++) await settle()
    expect(sel.dataset.value).toBe('fashion-mnist')
    expect(sel.network.value).toBe('2')
    expect(picked.listedNetwork.value.id).toBe(2)
    expect(picked.samples.data.value).toEqual([{ index: 0 }])
    expect(picked.networkDetail.data.value.id).toBe(2)
    scope.stop()
  })

  it("opens a network-only link in the network's dataset, or without one where the page offers it", async () => {
    const sel = fakeSelection({ network: '1' })
    const scope = effectScope()
    scope.run(() => useDatasetNetworkSelection(sel))
    for (let i = 0; i < 5; i++) await settle()
    expect(sel.dataset.value).toBe('fashion-mnist')
    expect(sel.network.value).toBe('1') // kept: it is on the dataset's list
    const bare = fakeSelection({ network: '7' })
    scope.run(() => useDatasetNetworkSelection(bare, { withoutDataset: true }))
    for (let i = 0; i < 5; i++) await settle()
    expect(bare.dataset.value).toBe('~none')
    scope.stop()
  })

  it('says a linked network does not exist instead of opening another', async () => {
    const sel = fakeSelection({ network: '404' })
    const scope = effectScope()
    const picked = scope.run(() => useDatasetNetworkSelection(sel, { withoutDataset: true }))
    for (let i = 0; i < 5; i++) await settle()
    expect(picked.missing.value).toEqual({ kind: 'network', value: '404' })
    expect(sel.network.value).toBe('404') // not replaced by the most accurate network
    // the same with a dataset in the link: its most accurate network is not opened in its place
    const withDataset = fakeSelection({ dataset: 'fashion-mnist', network: '404' })
    const other = scope.run(() => useDatasetNetworkSelection(withDataset, { samples: true }))
    for (let i = 0; i < 8; i++) await settle()
    expect(withDataset.network.value).toBe('404')
    expect(other.missing.value).toEqual({ kind: 'network', value: '404' })
    // choosing a network clears the message
    withDataset.setNetwork(2)
    for (let i = 0; i < 5; i++) await settle()
    expect(other.missing.value).toBe(null)
    scope.stop()
  })

  it('says a linked dataset does not exist and asks nothing about it', async () => {
    const sel = fakeSelection({ dataset: 'no-such-data' })
    const scope = effectScope()
    const picked = scope.run(() => useDatasetNetworkSelection(sel, { samples: true }))
    for (let i = 0; i < 5; i++) await settle()
    expect(picked.missing.value).toEqual({ kind: 'dataset', value: 'no-such-data' })
    expect(picked.samples.data.value).toBe(null)
    expect(picked.networks.data.value).toBe(null)
    scope.stop()
  })
})
