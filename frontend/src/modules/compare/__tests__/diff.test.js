import { describe, expect, it } from 'vitest'
import { changeColour, ckaColour, classChanges, exploreLink, maxAbs } from '../diff'

describe('compare helpers', () => {
  it('colours a change by whether it is an improvement', () => {
    expect(changeColour(0, true, 5)).toBe('transparent')
    expect(changeColour(5, true, 5)).toMatch(/^rgba\(1, 133, 113/) // more right answers
    expect(changeColour(5, false, 5)).toMatch(/^rgba\(166, 97, 26/) // more of a mistake
    expect(changeColour(-5, false, 5)).toMatch(/^rgba\(1, 133, 113/)
  })
  it('scales CKA from white to blue', () => {
    expect(ckaColour(0)).toBe('rgb(255, 255, 255)')
    expect(ckaColour(1)).toBe('rgb(8, 69, 148)')
    expect(ckaColour(2)).toBe(ckaColour(1))
  })
  it('finds the largest change and sorts classes by change', () => {
    expect(
      maxAbs([
        [1, -7],
        [3, 0],
      ]),
    ).toBe(7)
    const rows = classChanges({ labels: ['x', 'y'], recall_a: [0.5, 0.9], recall_b: [0.6, 0.4] })
    expect(rows.map((r) => r.label)).toEqual(['y', 'x'])
    expect(rows[0].change).toBeCloseTo(-0.5)
  })
  it('links a side into Explore with its epoch, image and layer', () => {
    expect(exploreLink({ dataset: 'd', network: 3, epoch: 1, sample: 0, layer: 'c' })).toEqual({
      name: 'explore',
      query: { dataset: 'd', network: '3', epoch: '1', sample: '0', layer: 'c' },
    })
  })
})
