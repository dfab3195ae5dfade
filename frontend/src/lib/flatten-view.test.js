import { describe, expect, it } from 'vitest'
import { hwcIndex, unflatten } from './layer-math'
import {
  activate,
  argmax,
  blockShape,
  cellAt,
  channelSums,
  contributions,
  denseScores,
  groupStrongest,
  mapGrid,
  mapOrigin,
  maxAbs,
  maxAbsDifference,
  softmax,
  strongestInChannel,
  stripIndexAt,
  stripRows,
  stripY,
  topChannels,
  visibleUnits,
  weightsTo,
} from './flatten-view'

// Every expected number below was worked out by hand.
const arr = (shape, values) => ({ shape, data: Float32Array.from(values) })

// A 2×2×3 block (H×W×C), flattened channels-last: i = (row·2 + col)·3 + channel.
// channel 0 = [[1, 2], [3, 4]], channel 1 = [[0, 0], [0, 5]], channel 2 = [[−1, 0], [0, 0]]
const SHAPE = [2, 2, 3]
const X = Float32Array.from([1, 0, -1, 2, 0, 0, 3, 0, 0, 4, 5, 0])
// Dense kernel 12×2: unit 0 weighs every input 1 (its score is the plain sum); unit 1 weighs
// input i by (i % 3) − 1: channel 0 → −1, channel 1 → 0, channel 2 → +1.
const K = arr([12, 2], Array.from({ length: 12 }, (_, i) => [1, (i % 3) - 1]).flat())
const B = arr([2], [0.5, -2])

describe('how Flatten unrolls an H×W×C block', () => {
  it('puts the channel fastest: index 10 is row 1, column 1, channel 1', () => {
    expect(unflatten(SHAPE, 10)).toEqual({ row: 1, col: 1, channel: 1 })
    expect(hwcIndex(SHAPE, 1, 1, 1)).toBe(10)
    expect(X[10]).toBe(5) // channel 1's only non-zero cell
  })
  it('lays 2-D and 1-D inputs out as one row', () => {
    expect(blockShape([7, 7, 32])).toEqual([7, 7, 32])
    expect(blockShape([5, 4])).toEqual([1, 5, 4])
    expect(blockShape([6])).toEqual([1, 6, 1])
  })
})

describe('denseScores', () => {
  it('adds x·w over every input, plus the bias', () => {
    // unit 0: 1 − 1 + 2 + 3 + 4 + 5 = 14, + 0.5 = 14.5
    // unit 1: channel 0 (1 + 2 + 3 + 4)·(−1) = −10; channel 1 ·0; channel 2 (−1)·(+1) = −1 → −11, − 2 = −13
    const zs = denseScores(X, K, B)
    expect(Array.from(zs)).toEqual([14.5, -13])
  })
  it('works without a bias and refuses a kernel of the wrong size', () => {
    expect(Array.from(denseScores(X, K))).toEqual([14, -11])
    expect(() => denseScores(X.subarray(0, 6), K)).toThrow(/expects 12 inputs/)
  })
})

describe('argmax, softmax, activate, maxAbsDifference', () => {
  it('finds the highest score, the first on ties', () => {
    expect(argmax([0.1, 3, -2, 3])).toBe(1)
    expect(argmax([])).toBe(-1)
  })
  it('softmax of (0, ln 3) is (1/4, 3/4), and large scores do not overflow', () => {
    const p = softmax([0, Math.log(3)])
    expect(p[0]).toBeCloseTo(0.25, 12)
    expect(p[1]).toBeCloseTo(0.75, 12)
    const q = softmax([1000, 1000])
    expect(Array.from(q)).toEqual([0.5, 0.5])
  })
  it('applies softmax or an element-wise activation; unknown ones give null', () => {
    expect(Array.from(activate('relu', [-1, 2]))).toEqual([0, 2])
    expect(Array.from(activate(undefined, [-1, 2]))).toEqual([-1, 2])
    expect(activate('softmax', [0, 0])[0]).toBe(0.5)
    expect(activate('mystery', [1])).toBeNull()
  })
  it('compares two outputs by their largest gap', () => {
    expect(maxAbsDifference([1, 2, 3], Float32Array.from([1, 2.5, 2]))).toBe(1)
    expect(() => maxAbsDifference([1], [1, 2])).toThrow()
  })
})

describe('contributions and channel sums', () => {
  it('lists w_ij for one unit', () => {
    expect(Array.from(weightsTo(K, 1)).slice(0, 4)).toEqual([-1, 0, 1, -1])
  })
  it('splits the score into positive and negative products', () => {
    // unit 1: products −1, 0, −1, −2, 0, 0, −3, 0, 0, −4, 0, 0 (input 10 has x = 5 but w = 0)
    const c = contributions(X, K, 1)
    expect(Array.from(c.products)).toEqual([-1, 0, -1, -2, 0, 0, -3, 0, 0, -4, 0, 0])
    expect(c.total).toBe(-11)
    expect(c.positive).toBe(0)
    expect(c.negative).toBe(-11)
    expect([c.nPositive, c.nNegative, c.zeros]).toEqual([0, 5, 7])
  })
  it('sums the products per channel and ranks channels by |sum|', () => {
    // unit 1 by channel: channel 0 −10, channel 1 0, channel 2 −1
    const sums = channelSums(SHAPE, contributions(X, K, 1).products)
    expect(Array.from(sums)).toEqual([-10, 0, -1])
    expect(topChannels(sums, 2)).toEqual([
      { channel: 0, sum: -10 },
      { channel: 2, sum: -1 },
    ])
    // unit 0 by channel (all weights 1): channel 0 = 10, channel 1 = 5, channel 2 = −1
    expect(Array.from(channelSums(SHAPE, X))).toEqual([10, 5, -1])
  })
  it('finds the strongest cell of a channel', () => {
    expect(strongestInChannel(SHAPE, X, 0)).toBe(9) // value 4 at row 1, column 1
    expect(strongestInChannel(SHAPE, X, 1)).toBe(10)
    expect(strongestInChannel(SHAPE, [0, 0, 1, 0, 0, -3], 2)).toBe(5) // by |v|: −3 beats 1
    expect(maxAbs([-7, 3])).toBe(7)
  })
})

describe('figure geometry', () => {
  it('tiles 4 maps of 7×7 in the column count that gives the largest cells', () => {
    // 100 px wide, 100 px tall, gap 2, no captions: 2 columns × 2 rows → (100 − 2) / 14 = 7 px
    const g = mapGrid([7, 7, 4], { maxWidth: 100, maxHeight: 100, gap: 2 })
    expect([g.cols, g.rows, g.cell]).toEqual([2, 2, 7])
    expect([g.mapW, g.width, g.height]).toEqual([49, 100, 100])
    // a wide, low box: 4 columns × 1 row: min((200 − 6) / 28 = 6.9, 30 / 7 = 4.3) → 4 px
    const wide = mapGrid([7, 7, 4], { maxWidth: 200, maxHeight: 30, gap: 2 })
    expect([wide.cols, wide.rows, wide.cell]).toEqual([4, 1, 4])
  })
  it('finds the cell under a point, and none between maps', () => {
    const g = mapGrid([7, 7, 4], { maxWidth: 100, maxHeight: 100, gap: 2 })
    expect(mapOrigin(g, 3)).toEqual({ x: 51, y: 51 })
    // channel 3's map starts at (51, 51); 7 px cells: (51 + 15, 51 + 8) is row 1, column 2
    expect(cellAt(g, [7, 7, 4], 66, 59)).toEqual({ row: 1, col: 2, channel: 3 })
    expect(cellAt(g, [7, 7, 4], 50, 10)).toBeNull() // in the gap
    expect(cellAt(g, [7, 7, 3], 60, 60)).toBeNull() // a fourth map that does not exist
  })
  it('groups the strip when there are more values than pixel rows', () => {
    expect(stripRows(100, 400)).toEqual({ group: 1, rows: 100, rowHeight: 4 })
    // 1,568 values in 480 px: 4 a row, 392 rows of 480 / 392 px
    const s = stripRows(1568, 480)
    expect([s.group, s.rows]).toEqual([4, 392])
    expect(Array.from(groupStrongest([1, -3, 2, 0.5, 4], 2))).toEqual([-3, 2, 4])
  })
  it('maps strip positions to values and back', () => {
    expect(stripY(0, 10, 100)).toBe(5)
    expect(stripY(9, 10, 100)).toBe(95)
    expect(stripIndexAt(5, 10, 100)).toBe(0)
    expect(stripIndexAt(99.9, 10, 100)).toBe(9)
    expect(stripIndexAt(-3, 10, 100)).toBe(0)
    expect(stripIndexAt(150, 10, 100)).toBe(9)
  })
  it('shows every unit when few, else the highest scores and the chosen one', () => {
    expect(visibleUnits([1, 2, 3], 0, 16)).toEqual([0, 1, 2])
    const zs = [5, 1, 9, 3, 7, 0]
    expect(visibleUnits(zs, 5, 3)).toEqual([2, 4, 5]) // 9 and 7, and the chosen unit 5
    expect(visibleUnits(zs, 2, 3)).toEqual([0, 2, 4]) // the chosen is among them: next best 5
  })
})
