import { describe, expect, it } from 'vitest'
import {
  channelParts,
  convGeometry,
  kernelSlice,
  maxAbs,
  paddedChannel,
  windowRect,
  windowTaps,
} from './conv-intermediate'

// All expected numbers below were worked out by hand.

/** An H×W×C {shape, data} from C channel maps given as 2-D arrays. */
function hwc(...maps) {
  const h = maps[0].length
  const w = maps[0][0].length
  const data = new Float32Array(h * w * maps.length)
  maps.forEach((m, k) => m.forEach((row, r) => row.forEach((v, c) => (data[(r * w + c) * maps.length + k] = v))))
  return { shape: [h, w, maps.length], data }
}

describe('convGeometry', () => {
  it('valid, stride 1: no padding, n − k + 1 outputs', () => {
    const g = convGeometry([5, 5], [3, 3], { padding: 'valid', strides: [1, 1] })
    expect([g.outH, g.outW, g.paddedH, g.paddedW]).toEqual([3, 3, 5, 5])
    expect(g.pad).toEqual({ top: 0, bottom: 0, left: 0, right: 0 })
  })
  it("'same', stride 1, 3×3: one cell of padding on every side", () => {
    const g = convGeometry([5, 5], [3, 3], { padding: 'same' })
    expect([g.outH, g.outW, g.paddedH, g.paddedW]).toEqual([5, 5, 7, 7])
    expect(g.pad).toEqual({ top: 1, bottom: 1, left: 1, right: 1 })
  })
  it("'same', stride 2 on 4 cells: the odd padding cell goes at the bottom / right", () => {
    // out = ceil(4 / 2) = 2; total = (2 − 1)·2 + 3 − 4 = 1 → 0 before, 1 after
    const g = convGeometry([4, 4], [3, 3], { padding: 'same', strides: [2, 2] })
    expect([g.outH, g.outW]).toEqual([2, 2])
    expect(g.pad).toEqual({ top: 0, bottom: 1, left: 0, right: 1 })
    expect(windowRect(g, 1, 1)).toEqual({ top: 2, left: 2, height: 3, width: 3 })
  })
  it('different strides along the two axes', () => {
    // rows: floor((6 − 3) / 2) + 1 = 2; columns: 5 − 3 + 1 = 3
    const g = convGeometry([6, 5], [3, 3], { strides: [2, 1] })
    expect([g.outH, g.outW]).toEqual([2, 3])
    expect(windowRect(g, 1, 2)).toEqual({ top: 2, left: 2, height: 3, width: 3 })
  })
  it('dilation 2 widens a 3×3 kernel to a 5×5 span with holes', () => {
    const valid = convGeometry([7, 7], [3, 3], { dilation_rate: [2, 2] })
    expect([valid.outH, valid.outW]).toEqual([3, 3])
    expect(valid.span).toEqual([5, 5])
    // 'same' sizes the padding with the span: total = 5 − 1 = 4 → 2 each side
    const same = convGeometry([5, 5], [3, 3], { padding: 'same', dilation_rate: 2 })
    expect(same.pad).toEqual({ top: 2, bottom: 2, left: 2, right: 2 })
    const taps = windowTaps(same, 0, 1)
    expect(taps).toHaveLength(9)
    expect(taps.map((t) => t.top)).toEqual([0, 0, 0, 2, 2, 2, 4, 4, 4])
    expect(taps.slice(0, 3).map((t) => t.left)).toEqual([1, 3, 5])
  })
})

describe('paddedChannel and kernelSlice', () => {
  it('frames a channel with zeros', () => {
    const input = hwc([[1, 2], [3, 4]], [[5, 6], [7, 8]]) // prettier-ignore
    const g = convGeometry([2, 2], [3, 3], { padding: 'same' })
    expect([...paddedChannel(input, 1, g)]).toEqual([0, 0, 0, 0, 0, 5, 6, 0, 0, 7, 8, 0, 0, 0, 0, 0])
  })
  it('reads kernel[:, :, k, channel]', () => {
    // 1×2 kernel, 2 input channels, 2 output channels: data[(j·2 + k)·2 + out]
    const kernel = { shape: [1, 2, 2, 2], data: new Float32Array([1, 2, 3, 4, 5, 6, 7, 8]) }
    expect([...kernelSlice(kernel, 1, 0)]).toEqual([3, 7])
    expect([...kernelSlice(kernel, 0, 1)]).toEqual([2, 6])
  })
})

describe('channelParts', () => {
  it('splits a valid 2×2 convolution into per-input-channel parts', () => {
    const input = hwc(
      [[1, 2, 3], [4, 5, 6], [7, 8, 9]],
      [[1, 0, 0], [0, 1, 0], [0, 0, 1]],
    ) // prettier-ignore
    // slice 0 = [[1, 0], [0, −1]], slice 1 = [[2, 2], [2, 2]]; data[(i·2 + j)·2 + k]
    const kernel = { shape: [2, 2, 2, 1], data: new Float32Array([1, 2, 0, 2, 0, 2, -1, 2]) }
    const bias = { shape: [1], data: new Float32Array([0.5]) }
    const g = convGeometry([3, 3], [2, 2], {})
    const { channels, parts, z } = channelParts(input, kernel, bias, 0, g)
    expect(channels).toEqual([0, 1])
    expect([...parts[0]]).toEqual([-4, -4, -4, -4]) // x(r, c) − x(r + 1, c + 1)
    expect([...parts[1]]).toEqual([4, 2, 2, 4]) // 2 · (ones on the diagonal in the window)
    expect([...z]).toEqual([0.5, -1.5, -1.5, 0.5])
  })
  it("'same' padding reads zeros outside the map", () => {
    const ones = [[1, 1, 1], [1, 1, 1], [1, 1, 1]] // prettier-ignore
    const kernel = { shape: [3, 3, 1, 1], data: new Float32Array(9).fill(1) }
    const g = convGeometry([3, 3], [3, 3], { padding: 'same' })
    const { parts, z } = channelParts(hwc(ones), kernel, null, 0, g)
    expect([...parts[0]]).toEqual([4, 6, 4, 6, 9, 6, 4, 6, 4])
    expect([...z]).toEqual([...parts[0]]) // no bias
  })
  it('grouped convolutions read only their group', () => {
    // 4 input channels, 2 groups: output channels 2 and 3 read input channels 2 and 3
    const input = { shape: [1, 1, 4], data: new Float32Array([1, 10, 100, 1000]) }
    const kernel = { shape: [1, 1, 2, 4], data: new Float32Array([1, 1, 1, 1, 2, 2, 2, 2]) }
    const { channels, z } = channelParts(input, kernel, null, 3, convGeometry([1, 1], [1, 1], { groups: 2 }))
    expect(channels).toEqual([2, 3])
    expect([...z]).toEqual([100 + 2000])
  })
})

describe('maxAbs', () => {
  it('is the largest magnitude, or 1 for all zeros', () => {
    expect(maxAbs([1, -3], new Float32Array([2]))).toBe(3)
    expect(maxAbs([0, 0])).toBe(1)
  })
})
