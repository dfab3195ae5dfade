import { describe, expect, it } from 'vitest'
import {
  avgPool2d,
  conv2d,
  maxPool2d,
  outputSize,
  pad2d,
  relu,
  samePadding,
  softmax,
  validOutputSize,
} from './conv-math'

// All expected numbers below were worked out by hand.
const INPUT4 = [
  [1, 2, 3, 0],
  [0, 1, 2, 3],
  [3, 0, 1, 2],
  [2, 3, 0, 1],
]
const X_KERNEL = [
  [1, 0, 1],
  [0, 1, 0],
  [1, 0, 1],
]
const EDGE = [
  [1, 0, -1],
  [1, 0, -1],
  [1, 0, -1],
]

describe('outputSize', () => {
  it('is floor((n + 2p − k) / s) + 1', () => {
    expect(outputSize(4, 3, 1, 0)).toBe(2)
    expect(outputSize(4, 3, 2, 1)).toBe(2)
    expect(outputSize(5, 3, 2, 1)).toBe(3)
    expect(outputSize(28, 5, 1, 0)).toBe(24)
    expect(outputSize(32, 3, 1, 1)).toBe(32)
    expect(outputSize(7, 3, 2, 0)).toBe(3)
    expect(outputSize(6, 3, 2, 0)).toBe(2)
    expect(outputSize(9, 5, 3, 2)).toBe(3)
    expect(outputSize(3, 1, 3, 0)).toBe(1)
  })

  it('is 0 when the kernel does not fit', () => {
    expect(outputSize(3, 5, 1, 0)).toBe(0)
    expect(outputSize(3, 5, 1, 1)).toBe(1)
  })

  it("follows TensorFlow for 'valid' and 'same'", () => {
    expect(validOutputSize(5, 2, 2)).toBe(2)
    expect(outputSize(5, 2, 2, 'valid')).toBe(2)
    expect(outputSize(5, 2, 2, 'same')).toBe(3)
    expect(outputSize(28, 3, 1, 'same')).toBe(28)
    expect(samePadding(5, 3, 2)).toEqual({ out: 3, total: 2, before: 1, after: 1 })
    expect(samePadding(5, 2, 2)).toEqual({ out: 3, total: 1, before: 0, after: 1 })
    expect(samePadding(5, 4, 2)).toEqual({ out: 3, total: 3, before: 1, after: 2 })
    expect(samePadding(6, 1, 2)).toEqual({ out: 3, total: 0, before: 0, after: 0 })
  })
})

describe('pad2d', () => {
  it('surrounds with zeros', () => {
    expect(pad2d([[1, 2]], 1)).toEqual([
      [0, 0, 0, 0],
      [0, 1, 2, 0],
      [0, 0, 0, 0],
    ])
    expect(pad2d([[5]], { top: 0, bottom: 1, left: 0, right: 2 })).toEqual([
      [5, 0, 0],
      [0, 0, 0],
    ])
  })
})

describe('conv2d', () => {
  it('4×4 input, 3×3 kernel, stride 1, no padding', () => {
    expect(conv2d(INPUT4, X_KERNEL).output).toEqual([
      [9, 6],
      [4, 9],
    ])
    // an asymmetric kernel: not flipped (cross-correlation, as in every DL library)
    expect(conv2d(INPUT4, EDGE).output).toEqual([
      [-2, -2],
      [2, -2],
    ])
  })

  it('keeps each output cell’s window and products', () => {
    const { cells } = conv2d(INPUT4, EDGE)
    const c = cells[1][0]
    expect([c.top, c.left, c.height, c.width]).toEqual([1, 0, 3, 3])
    expect(c.terms.map((t) => t.x)).toEqual([0, 1, 2, 3, 0, 1, 2, 3, 0])
    expect(c.terms.map((t) => t.product)).toEqual([0, 0, -2, 3, 0, -1, 2, 0, 0])
    expect(c.value).toBe(2)
  })

  it('stride 2 with padding 1', () => {
    const r = conv2d(INPUT4, X_KERNEL, { stride: 2, padding: 1 })
    expect(r.output).toEqual([
      [2, 7],
      [7, 9],
    ])
    expect(conv2d(INPUT4, EDGE, { stride: 2, padding: 1 }).output).toEqual([
      [-3, 0],
      [-4, -2],
    ])
    expect(r.paddedShape).toEqual([6, 6])
    const first = r.cells[0][0]
    expect(first.terms[0]).toMatchObject({ pr: 0, pc: 0, r: -1, c: -1, pad: true, x: 0 })
    expect(first.terms[4]).toMatchObject({ pr: 1, pc: 1, r: 0, c: 0, pad: false, x: 1 })
    expect(r.cells[1][1]).toMatchObject({ top: 2, left: 2 })
  })

  it("5×5 'same' with stride 2 pads after, not before (TensorFlow)", () => {
    const input = Array.from({ length: 5 }, (_, r) => Array.from({ length: 5 }, (_, c) => 5 * r + c + 1))
    const r = conv2d(
      input,
      [
        [1, 1],
        [1, 1],
      ],
      { stride: 2, padding: 'same' },
    )
    expect(r.pad).toEqual({ top: 0, bottom: 1, left: 0, right: 1 })
    expect(r.output).toEqual([
      [16, 24, 15],
      [56, 64, 35],
      [43, 47, 25],
    ])
    const odd = conv2d(input, X_KERNEL, { stride: 2, padding: 'same' })
    expect(odd.pad).toEqual({ top: 1, bottom: 1, left: 1, right: 1 })
    // (0,0): 0 + 0 + 0 + 7 + 1 (centre) = 8 … windows around rows/cols 0, 2, 4
    expect(odd.output[0][0]).toBe(8)
    expect(odd.output[1][1]).toBe(7 + 9 + 17 + 19 + 13)
  })
})

describe('pooling', () => {
  const P = [
    [1, 3, 2, 4],
    [5, 6, 1, 0],
    [7, 2, 9, 8],
    [0, 1, 3, 5],
  ]
  const S = [
    [1, -2, -3],
    [4, 5, -6],
    [-7, 8, 9],
  ]

  it('max pooling 2×2, stride 2', () => {
    expect(maxPool2d(P, { size: 2 }).output).toEqual([
      [6, 4],
      [7, 9],
    ])
  })

  it('average pooling 2×2, stride 2', () => {
    expect(avgPool2d(P, { size: 2, stride: 2 }).output).toEqual([
      [3.75, 1.75],
      [2.5, 6.25],
    ])
  })

  it("'same' pooling ignores the padding cells", () => {
    // 3×3, size 2, stride 2: one padding row and column after; zero padding would give 0 at (0,1)
    expect(maxPool2d(S, { size: 2, stride: 2, padding: 'same' }).output).toEqual([
      [5, -3],
      [8, 9],
    ])
    expect(avgPool2d(S, { size: 2, stride: 2, padding: 'same' }).output).toEqual([
      [2, -4.5],
      [0.5, 9],
    ])
  })
})

describe('relu and softmax', () => {
  it('relu clips negatives', () => {
    expect(relu(-2)).toBe(0)
    expect(relu(3)).toBe(3)
    expect(
      relu([
        [-1, 2],
        [0, -0.5],
      ]),
    ).toEqual([
      [0, 2],
      [0, 0],
    ])
  })

  it('softmax of [1, 2, 3]', () => {
    const p = softmax([1, 2, 3])
    expect(p[0]).toBeCloseTo(0.09, 4)
    expect(p[1]).toBeCloseTo(0.2447, 4)
    expect(p[2]).toBeCloseTo(0.6652, 4)
    expect(p.reduce((a, b) => a + b)).toBeCloseTo(1, 12)
  })

  it('softmax is stable for large inputs', () => {
    const p = softmax([1000, 1001, 1002])
    expect(p[0]).toBeCloseTo(0.09, 4)
    expect(p[2]).toBeCloseTo(0.6652, 4)
    expect(softmax([])).toEqual([])
  })
})
