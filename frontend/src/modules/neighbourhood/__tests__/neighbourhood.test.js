import { describe, expect, it } from 'vitest'
import { kernelColor } from '@/config/color-scales'
import {
  axisExtents,
  brushedIndices,
  evenlySpread,
  fidelitySentence,
  flat,
  gridSelection,
  hasVae,
  insideBrushes,
  legendClasses,
  maxAbs,
  neighbourhoodLocation,
  normalBrush,
  orderByPosition,
  parseSetting,
  pathStops,
  pictureAt,
  predictionRows,
  pushSentence,
  settingValid,
} from '../neighbourhood'

const CLASSES = ['T-shirt', 'Trouser', 'Pullover', 'Dress', 'Coat', 'Sandal', 'Shirt', 'Sneaker', 'Bag', 'Boot']

describe('settings and links', () => {
  it('reads settings from the URL within the API limits, else the defaults', () => {
    expect(parseSetting('radius', '2.5')).toBe(2.5)
    expect(parseSetting('radius', '9')).toBe(1)
    expect(parseSetting('radius', 'abc')).toBe(1)
    expect(parseSetting('radius', undefined)).toBe(1)
    expect(parseSetting('neighbours', '20')).toBe(20)
    expect(parseSetting('neighbours', '19')).toBe(200)
    expect(parseSetting('neighbours', '1000')).toBe(1000)
    expect(parseSetting('regularisation', '0.0001')).toBe(0.0001)
    expect(parseSetting('regularisation', '0')).toBe(1)
    expect(settingValid('neighbours', 20.5)).toBe(false)
    expect(settingValid('radius', 0.05)).toBe(true)
    expect(settingValid('radius', 0.04)).toBe(false)
    expect(settingValid('regularisation', '')).toBe(false)
  })
  it('links to the page and knows which datasets have a VAE', () => {
    expect(neighbourhoodLocation(7, 42)).toEqual({ name: 'neighbourhood', query: { network: '7', index: '42' } })
    expect(hasVae('fashion-mnist')).toBe(true)
    expect(hasVae('digits')).toBe(true)
    expect(hasVae('photos')).toBe(false)
    expect(hasVae(null)).toBe(false)
  })
})

describe('brushing and the grid', () => {
  // 50 neighbours on a 2-d code: z1 = i, z2 = -i; position decreasing with i
  const codes = Array.from({ length: 50 }, (_, i) => [i, -i])
  const position = codes.map((_, i) => (49 - i) / 10)
  const neighbours = { codes, position }

  it('keeps the codes inside every brush, bounds included', () => {
    expect(insideBrushes([1, 2], [null, null])).toBe(true)
    expect(insideBrushes([1, 2], [[0, 1], null])).toBe(true)
    expect(
      insideBrushes(
        [1, 2],
        [
          [0, 1],
          [3, 4],
        ],
      ),
    ).toBe(false)
    expect(normalBrush(3, -1)).toEqual([-1, 3])
    expect(brushedIndices(codes, [[10, 12], null])).toEqual([10, 11, 12])
    expect(
      brushedIndices(codes, [
        [10, 20],
        [-11, -5],
      ]),
    ).toEqual([10, 11])
  })
  it('orders by position along the path, ties by index', () => {
    expect(orderByPosition([0, 1, 2], [0.5, -1, 0.5])).toEqual([1, 0, 2])
  })
  it('spreads k picks evenly from the first to the last', () => {
    const items = Array.from({ length: 100 }, (_, i) => i)
    const picked = evenlySpread(items, 20)
    expect(picked).toHaveLength(20)
    expect(picked[0]).toBe(0)
    expect(picked[19]).toBe(99)
    expect(new Set(picked).size).toBe(20)
    const gaps = picked.slice(1).map((v, i) => v - picked[i])
    expect(Math.max(...gaps) - Math.min(...gaps)).toBeLessThanOrEqual(1)
    expect(evenlySpread([3, 1], 20)).toEqual([3, 1])
    expect(evenlySpread(items, 1)).toEqual([0])
  })
  it('shows 20 of the brushed neighbours in path order and counts them all', () => {
    const all = gridSelection(neighbours, [null, null])
    expect(all.total).toBe(50)
    expect(all.shown).toHaveLength(20)
    // position decreases with the index: the grid runs from the highest index down
    expect(all.shown[0]).toBe(49)
    expect(all.shown[19]).toBe(0)
    const some = gridSelection(neighbours, [[5, 9], null])
    expect(some).toEqual({ shown: [9, 8, 7, 6, 5], total: 5 })
    expect(gridSelection(neighbours, [[100, 200], null])).toEqual({ shown: [], total: 0 })
  })
  it('pads each axis around the neighbours and the picture', () => {
    const ext = axisExtents(
      [
        [0, 1],
        [10, 1],
      ],
      [20, 1],
    )
    expect(ext[0][0]).toBeCloseTo(-1)
    expect(ext[0][1]).toBeCloseTo(21)
    // a constant axis still gets a range
    expect(ext[1][0]).toBeLessThan(1)
    expect(ext[1][1]).toBeGreaterThan(1)
  })
})

describe('the summary in words and pictures', () => {
  const summary = {
    classes: CLASSES,
    true_label: 6,
    predicted: 0,
    probabilities: [0.6, 0, 0.1, 0, 0, 0, 0.3, 0, 0, 0],
    path: {
      labels: [6, 6, 0, 0, 0],
      confidence: [0.9, 0.8, 0.6, 0.7, 0.95],
      image_index: 2,
    },
    neighbours: { counts: [5, 0, 1, 0, 0, 0, 5, 0, 0, 0] },
  }
  it('captions the ends of the path and the picture itself', () => {
    const stops = pathStops(summary)
    expect(stops.map((s) => s.caption)).toEqual(['mean Shirt', '', 'this picture', '', 'mean T-shirt'])
    expect(stops.map((s) => s.name)).toEqual(['Shirt', 'Shirt', 'T-shirt', 'T-shirt', 'T-shirt'])
    expect(stops[1].end).toBe(false)
  })
  it('words the push image and the fidelity', () => {
    expect(pushSentence(summary)).toBe(
      'Teal pixels pushed the network towards T-shirt rather than Shirt here; brown pixels towards Shirt.',
    )
    expect(fidelitySentence({ fidelity: 0.8667, held_out: 30 })).toBe(
      'The student agrees with the network on 87% of the 30 neighbours it did not see.',
    )
    expect(fidelitySentence({ fidelity: null, held_out: 0 })).toBeNull()
  })
  it('sorts the probabilities and the legend classes', () => {
    const rows = predictionRows(summary)
    expect(rows.map((r) => r.label).slice(0, 3)).toEqual(['T-shirt', 'Shirt', 'Pullover'])
    expect(legendClasses(summary)).toEqual([
      { index: 0, name: 'T-shirt', count: 5 },
      { index: 6, name: 'Shirt', count: 5 },
      { index: 2, name: 'Pullover', count: 1 },
    ])
  })
  it('paints weights on a symmetric brown (negative) / teal (positive) scale', () => {
    const push = [
      [0.5, -2],
      [1, 0],
    ]
    const vmax = maxAbs(push, null, [[1.5]])
    expect(vmax).toBe(2)
    expect(Array.from(flat(push))).toEqual([0.5, -2, 1, 0])
    const [r, , b] = kernelColor(-2, vmax)
    expect(r).toBeGreaterThan(b) // brown: red over blue
    const [r2, , b2] = kernelColor(2, vmax)
    expect(b2).toBeGreaterThan(r2) // teal
    expect(kernelColor(0, vmax)).toEqual([255, 255, 255])
  })
  it('cuts one picture out of an N×H×W×C array without copying', () => {
    const npy = { shape: [3, 2, 2, 1], data: Float32Array.from({ length: 12 }, (_, i) => i) }
    expect(Array.from(pictureAt(npy, 1))).toEqual([4, 5, 6, 7])
    expect(pictureAt(npy, 2).buffer).toBe(npy.data.buffer)
  })
})
