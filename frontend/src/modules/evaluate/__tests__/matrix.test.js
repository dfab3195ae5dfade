import { describe, expect, it } from 'vitest'
import {
  arcCounts,
  chordMatrix,
  classBars,
  confusionCells,
  focusClasses,
  mistakeCount,
  ribbonCounts,
  topConfusions,
} from '../matrix'

const C = [
  [50, 3, 0],
  [5, 40, 1],
  [2, 0, 60],
]

describe('confusion helpers', () => {
  it('zeroes the diagonal for the chord matrix and keeps the rest', () => {
    expect(chordMatrix(C)).toEqual([
      [0, 3, 0],
      [5, 0, 1],
      [2, 0, 0],
    ])
    expect(C[0][0]).toBe(50) // input untouched
    expect(mistakeCount(C)).toBe(11)
  })

  it('gives per-class bars with nulls for undefined values', () => {
    const bars = classBars({ labels: ['a', 'b'], precision: [0.5, null], recall: [1, 0.25], support: [10, 4] })
    expect(bars).toEqual([
      { index: 0, label: 'a', precision: 0.5, recall: 1, support: 10 },
      { index: 1, label: 'b', precision: null, recall: 0.25, support: 4 },
    ])
    expect(classBars(null)).toEqual([])
  })

  it('shares are per true-class row', () => {
    const cells = confusionCells(C)
    expect(cells).toHaveLength(9)
    const c = cells.find((x) => x.row === 1 && x.col === 0)
    expect(c.count).toBe(5)
    expect(c.share).toBeCloseTo(5 / 46)
    expect(cells.find((x) => x.row === 2 && x.col === 2).correct).toBe(true)
    expect(confusionCells([[0, 0]]).every((x) => x.share === 0)).toBe(true)
  })

  it('lists the largest mistakes first', () => {
    expect(topConfusions(C, ['a', 'b', 'c'], 2)).toEqual([
      { true: 1, predicted: 0, count: 5, trueLabel: 'b', predictedLabel: 'a' },
      { true: 0, predicted: 1, count: 3, trueLabel: 'a', predictedLabel: 'b' },
    ])
  })

  it('counts ribbons both ways and arcs in and out', () => {
    expect(ribbonCounts(C, 0, 1)).toEqual({ ab: 3, ba: 5 })
    expect(arcCounts(C, 0)).toEqual({ out: 3, into: 7 })
  })
})

describe('focusClasses', () => {
  it('keeps every class when there are few', () => {
    const c = [
      [1, 0],
      [2, 3],
    ]
    expect(focusClasses(c, ['a', 'b'], 5)).toEqual({
      indices: [0, 1],
      confusion: c,
      labels: ['a', 'b'],
      focused: false,
      total: 2,
    })
  })

  it('draws only the busiest classes of a large network, in class order, with their counts', () => {
    const k = 1000
    const c = Array.from({ length: k }, () => new Array(k).fill(0))
    c[281][281] = 5 // tabby cat, right
    c[281][285] = 2 // tabby → Egyptian cat
    c[967][967] = 1 // espresso
    c[10][20] = 1
    const labels = Array.from({ length: k }, (_, i) => `class ${i}`)
    const f = focusClasses(c, labels, 4)
    expect(f.focused).toBe(true)
    expect(f.total).toBe(1000)
    // weights: 281 → 7, 285 → 2, and 10, 20, 967 → 1 each: the four busiest, ties by index
    expect(f.indices).toEqual([10, 20, 281, 285])
    expect(f.labels).toEqual(['class 10', 'class 20', 'class 281', 'class 285'])
    expect(f.confusion[2]).toEqual([0, 0, 5, 2])
    expect(f.confusion[0][1]).toBe(1)
  })
})
