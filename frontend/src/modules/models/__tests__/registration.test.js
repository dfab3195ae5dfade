import { describe, expect, it } from 'vitest'
import { exploreLink, parseFloats } from '../registration'

describe('models page helpers', () => {
  it('links a registered network to Explore with its dataset', () => {
    expect(exploreLink(7, 'shapes')).toEqual({ path: '/', query: { network: '7', dataset: 'shapes' } })
    expect(exploreLink(7, null)).toEqual({ path: '/', query: { network: '7' } })
  })

  it('reads one or several comma-separated numbers', () => {
    expect(parseFloats('0.5')).toEqual([0.5])
    expect(parseFloats('0.485, 0.456,0.406')).toEqual([0.485, 0.456, 0.406])
    expect(parseFloats('')).toBeNull()
    expect(parseFloats('a, 1')).toBeNull()
  })
})
