import { describe, expect, it, vi } from 'vitest'
import { reactive } from 'vue'

// A router whose navigations finish only when the test says so, like a real one under load.
const route = reactive({ query: { dataset: 'fashion-mnist', network: '1' } })
const navigations = []
const router = {
  push: vi.fn((to) => new Promise((resolve) => navigations.push(() => resolve(Object.assign(route, to))))),
  replace: vi.fn((to) => new Promise((resolve) => navigations.push(() => resolve(Object.assign(route, to))))),
}
vi.mock('vue-router', () => ({ useRoute: () => route, useRouter: () => router }))

const { useExploreSelection } = await import('../composables/use-explore-selection')

describe('useExploreSelection', () => {
  it('builds each update on the navigation still under way, so none is lost', async () => {
    const sel = useExploreSelection()
    const first = sel.setSample(3) // the user clicks a sample…
    const second = sel.setEpoch(2) // …while the page settles the epoch
    expect(router.replace.mock.calls[0][0].query).toEqual({
      dataset: 'fashion-mnist',
      network: '1',
      sample: '3',
      epoch: '2',
    })
    navigations.splice(0).forEach((finish) => finish())
    await Promise.all([first, second])
    expect(sel.sample.value).toBe(3)
    expect(sel.epoch.value).toBe(2)
    // once nothing is pending, updates start from the route again
    sel.setLayer('conv_1_1')
    expect(router.push.mock.calls.at(-1)[0].query).toMatchObject({ sample: '3', epoch: '2', layer: 'conv_1_1' })
  })
})
