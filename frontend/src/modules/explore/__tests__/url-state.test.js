import { describe, expect, it } from 'vitest'
import { buildExploreQuery, parseExploreQuery } from '../url-state'

const roundTrip = (state) => parseExploreQuery(buildExploreQuery(state))

describe('Explore URL state', () => {
  it('round-trips a full view (dataset, network, sample, open layer, scope)', () => {
    const state = {
      dataset: 'fashion-mnist',
      network: '2',
      sample: 7,
      image: null,
      layer: 'conv_1_2',
      scope: 'unit',
      epoch: null,
    }
    expect(roundTrip(state)).toEqual(state)
  })
  it('round-trips an uploaded image and the whole-network scope', () => {
    const state = {
      dataset: 'cifar-10',
      network: '5',
      sample: null,
      image: '314',
      layer: null,
      scope: 'network',
      epoch: 2,
    }
    expect(roundTrip(state)).toEqual(state)
  })
  it('round-trips sample index 0 (falsy, still a choice)', () => {
    const state = { dataset: 'd', network: '1', sample: 0, image: null, layer: null, scope: 'layer', epoch: null }
    expect(buildExploreQuery(state).sample).toBe('0')
    expect(roundTrip(state)).toEqual(state)
  })
  it('leaves empty and default values out of the URL', () => {
    expect(
      buildExploreQuery({ dataset: 'd', network: null, sample: null, image: null, layer: null, scope: 'layer' }),
    ).toEqual({ dataset: 'd' })
  })
  it('survives a trip through a real query string', () => {
    const state = {
      dataset: 'fashion-mnist',
      network: '1',
      sample: 12,
      image: null,
      layer: 'max_pool_1',
      scope: 'network',
      epoch: 3,
    }
    const qs = new URLSearchParams(buildExploreQuery(state)).toString()
    expect(parseExploreQuery(Object.fromEntries(new URLSearchParams(qs)))).toEqual(state)
  })
  it('parses junk safely: bad scope → default, bad sample → none, arrays → first', () => {
    const s = parseExploreQuery({ dataset: ['a', 'b'], sample: 'x1', scope: 'galaxy', layer: '' })
    expect(s).toEqual({
      dataset: 'a',
      network: null,
      sample: null,
      image: null,
      layer: null,
      scope: 'layer',
      epoch: null,
    })
    expect(parseExploreQuery({ epoch: '0' }).epoch).toBeNull()
    expect(parseExploreQuery({ epoch: '-1' }).epoch).toBeNull()
  })
  it('a sample wins over an image (one input at a time)', () => {
    expect(parseExploreQuery({ sample: '3', image: '9' }).image).toBeNull()
    expect(buildExploreQuery({ sample: 3, image: '9' })).toEqual({ sample: '3' })
  })
  it('keeps query keys that are not its own', () => {
    expect(buildExploreQuery({ dataset: 'd' }, { tour: '1', dataset: 'old' })).toEqual({ tour: '1', dataset: 'd' })
  })
})
