import { describe, expect, it } from 'vitest'
import {
  explainBatchNorm,
  explainCell,
  explainConv,
  explainDense,
  explainDepthwise,
  explainElementwise,
  explainFlatten,
  explainGlobalPool,
  explainPool,
  explainSoftmax,
  hwcIndex,
  unflatten,
  valueAt,
  windowOrigin,
} from './layer-math'

// All expected numbers below were worked out by hand.
const arr = (shape, values) => ({ shape, data: Float32Array.from(values) })

// A 3×3 input with two channels, interleaved as H×W×C: channel 0 = 1..9, channel 1 = 10·(1..9).
const CH0 = [1, 2, 3, 4, 5, 6, 7, 8, 9]
const X2 = arr(
  [3, 3, 2],
  CH0.flatMap((v) => [v, 10 * v]),
)

// A 2×2 kernel, 2 input channels, 1 output channel: kernel[i][j][k][0].
// channel 0 slice [[1, 0], [0, -1]], channel 1 slice [[0, 0.1], [0, 0]]
const K = arr([2, 2, 2, 1], [1, 0, 0, 0.1, 0, 0, -1, 0])

describe('explainConv', () => {
  it('adds each input channel window times its kernel slice, then the bias (valid, stride 1)', () => {
    // at (0, 0): channel 0: 1·1 + 5·(−1) = −4; channel 1: 20·0.1 = 2; total −2; + bias 0.5 = −1.5
    const e = explainConv({
      input: X2,
      kernel: K,
      bias: arr([1], [0.5]),
      config: { padding: 'valid', activation: 'linear' },
      row: 0,
      col: 0,
      channel: 0,
    })
    expect(e.channels[0].sum).toBe(-4)
    expect(e.channels[1].sum).toBeCloseTo(2, 6)
    expect(e.total).toBeCloseTo(-2, 6)
    expect(e.z).toBeCloseTo(-1.5, 6)
    expect(e.value).toBeCloseTo(-1.5, 6)
    expect(e.channels[0].terms.map((t) => t.x)).toEqual([1, 2, 4, 5])
  })

  it('applies the fused ReLU', () => {
    const e = explainConv({
      input: X2,
      kernel: K,
      bias: arr([1], [0.5]),
      config: { activation: 'relu' },
      row: 1,
      col: 1,
      channel: 0,
    })
    // at (1, 1): channel 0: 5 − 9 = −4; channel 1: 60·0.1 = 6; total 2; + 0.5 = 2.5 → ReLU 2.5
    expect(e.z).toBeCloseTo(2.5, 5)
    expect(e.value).toBeCloseTo(2.5, 5)
    const neg = explainConv({
      input: X2,
      kernel: K,
      bias: arr([1], [-10]),
      config: { activation: 'relu' },
      row: 1,
      col: 1,
      channel: 0,
    })
    expect(neg.z).toBeCloseTo(-8, 5) // 2 − 10
    expect(neg.value).toBe(0)
  })

  it("pads with zeros after the input for 'same' with an even kernel (TensorFlow)", () => {
    // 3×3 input, 2×2 kernel, stride 1, same: total padding 1, all of it after (bottom/right).
    const e = explainConv({ input: X2, kernel: K, config: { padding: 'same' }, row: 2, col: 2, channel: 0 })
    expect(e.origin).toMatchObject({ top: 2, left: 2, padTop: 0, padLeft: 0 })
    expect(e.window.map((t) => t.pad)).toEqual([false, true, true, true])
    // channel 0: 9·1 + pad·... = 9; channel 1: pad → 0
    expect(e.value).toBeCloseTo(9, 6)
  })

  it('follows stride and a 3×3 same window that starts in the padding', () => {
    const k3 = arr([3, 3, 1, 1], [0, 0, 0, 0, 1, 0, 0, 0, 2]) // centre 1, bottom-right 2
    const x = arr([3, 3, 1], CH0)
    // stride 2, same: out 2×2, total padding (2−1)·2 + 3 − 3 = 2 → 1 before, 1 after
    const e = explainConv({
      input: x,
      kernel: k3,
      config: { padding: 'same', strides: [2, 2] },
      row: 1,
      col: 0,
      channel: 0,
    })
    expect(e.origin).toMatchObject({ top: 1, left: -1 })
    // centre = input (2, 0) = 7; bottom-right = input (3, 1): padding → 0
    expect(e.value).toBeCloseTo(7, 6)
    expect(e.window.filter((t) => t.pad).length).toBe(5)
  })

  it('spreads the taps with dilation', () => {
    const k = arr([2, 2, 1, 1], [1, 1, 1, 1])
    const x = arr([3, 3, 1], CH0)
    const e = explainConv({ input: x, kernel: k, config: { dilation_rate: [2, 2] }, row: 0, col: 0, channel: 0 })
    // taps at (0,0) (0,2) (2,0) (2,2): 1 + 3 + 7 + 9 = 20
    expect(e.window.map((t) => [t.r, t.c])).toEqual([
      [0, 0],
      [0, 2],
      [2, 0],
      [2, 2],
    ])
    expect(e.value).toBe(20)
  })
})

describe('windowOrigin', () => {
  it('matches the playground rule for odd kernels', () => {
    expect(
      windowOrigin({ inShape: [28, 28], kernel: [3, 3], strides: [1, 1], padding: 'same', row: 0, col: 0 }),
    ).toMatchObject({ top: -1, left: -1 })
    expect(
      windowOrigin({ inShape: [28, 28], kernel: [3, 3], strides: [1, 1], padding: 'valid', row: 4, col: 5 }),
    ).toMatchObject({ top: 4, left: 5 })
  })
})

describe('explainPool', () => {
  const x = arr([4, 4, 1], [1, 5, 2, 0, 3, 4, 8, 1, 0, 0, 1, 1, -2, -1, 1, 9])
  it('keeps the largest value of each 2×2 window', () => {
    const e = explainPool({
      input: x,
      config: { pool_size: [2, 2], strides: [2, 2] },
      mode: 'max',
      row: 0,
      col: 1,
      channel: 0,
    })
    expect(e.value).toBe(8)
    expect([e.winner.r, e.winner.c]).toEqual([1, 2])
    expect(e.window.map((t) => t.x)).toEqual([2, 0, 8, 1])
  })
  it('averages, leaving same-padding cells out of the count', () => {
    const avg = explainPool({
      input: x,
      config: { pool_size: [2, 2], strides: [2, 2] },
      mode: 'avg',
      row: 1,
      col: 0,
      channel: 0,
    })
    expect(avg.value).toBeCloseTo(-0.75, 6) // (0 + 0 − 2 − 1) / 4
    const x3 = arr([3, 3, 1], CH0)
    const edge = explainPool({
      input: x3,
      config: { pool_size: [2, 2], strides: [2, 2], padding: 'same' },
      mode: 'avg',
      row: 1,
      col: 1,
      channel: 0,
    })
    expect(edge.count).toBe(1)
    expect(edge.value).toBe(9)
  })
  it('uses the pool size as the stride when strides is null (Keras default)', () => {
    const e = explainPool({
      input: x,
      config: { pool_size: [2, 2], strides: null },
      mode: 'max',
      row: 1,
      col: 1,
      channel: 0,
    })
    expect(e.value).toBe(9)
  })
})

describe('dense and softmax', () => {
  const input = arr([3], [1, 2, 3])
  const kernel = arr([3, 2], [1, 0, 0, 1, 1, -1]) // column 0: [1, 0, 1], column 1: [0, 1, −1]
  it('sums the inputs times the weights plus the bias', () => {
    const e = explainDense({ input, kernel, bias: arr([2], [0.5, 0]), config: { activation: 'relu' }, index: 0 })
    expect(e.z).toBeCloseTo(4.5, 6) // 1 + 3 + 0.5
    expect(e.value).toBeCloseTo(4.5, 6)
    expect(Array.from(e.zs)).toEqual([4.5, -1])
    expect(e.shown[0].i).toBe(2) // the largest |x·w| first
  })
  it('writes the softmax out with every exponential', () => {
    const e = explainDense({ input, kernel, bias: arr([2], [0.5, 0]), config: { activation: 'softmax' }, index: 1 })
    const expected = Math.exp(-1) / (Math.exp(4.5) + Math.exp(-1))
    expect(e.value).toBeCloseTo(expected, 10)
    expect(e.softmax.exps[0]).toBeCloseTo(Math.exp(4.5), 10)
  })
  it('shifts large scores so the exponentials stay finite, with the same result', () => {
    const e = explainSoftmax({ input: arr([2], [1000, 1000]), index: 0 })
    expect(e.shift).toBe(1000)
    expect(e.value).toBeCloseTo(0.5, 12)
    expect(explainSoftmax({ input: arr([3], [0, Math.log(2), Math.log(3)]), index: 2 }).value).toBeCloseTo(0.5, 6)
  })
})

describe('flatten, global pooling, element-wise, batch norm', () => {
  it('unrolls H×W×C in C order: the channel changes fastest', () => {
    expect(unflatten([2, 3, 4], 0)).toEqual({ row: 0, col: 0, channel: 0 })
    expect(unflatten([2, 3, 4], 5)).toEqual({ row: 0, col: 1, channel: 1 })
    expect(unflatten([2, 3, 4], 23)).toEqual({ row: 1, col: 2, channel: 3 })
    expect(hwcIndex([2, 3, 4], 1, 2, 3)).toBe(23)
    expect(explainFlatten({ input: X2, index: 3 })).toMatchObject({ row: 0, col: 1, channel: 1, value: 20 })
  })
  it('averages or takes the max of a whole channel', () => {
    expect(explainGlobalPool({ input: X2, mode: 'avg', index: 1 }).value).toBeCloseTo(50, 6)
    const m = explainGlobalPool({ input: X2, mode: 'max', index: 0 })
    expect(m.value).toBe(9)
    expect(m.winner).toBe(8)
  })
  it('applies ReLU, leaky ReLU and dropout element-wise', () => {
    const x = arr([3], [-2, 0, 3])
    expect(explainElementwise({ input: x, type: 'ReLU', cell: { index: 0 } }).value).toBe(0)
    expect(explainElementwise({ input: x, type: 'ReLU', config: { max_value: 2 }, cell: { index: 2 } }).value).toBe(2)
    expect(
      explainElementwise({ input: x, type: 'LeakyReLU', config: { negative_slope: 0.1 }, cell: { index: 0 } }).value,
    ).toBeCloseTo(-0.2, 6)
    expect(explainElementwise({ input: x, type: 'Dropout', cell: { index: 0 } }).value).toBe(-2)
    expect(
      explainElementwise({ input: x, type: 'Activation', config: { activation: 'sigmoid' }, cell: { index: 1 } }).value,
    ).toBe(0.5)
  })
  it('normalises with the moving mean and variance, then scales and shifts', () => {
    const weights = {
      gamma: arr([2], [2, 1]),
      beta: arr([2], [1, 0]),
      moving_mean: arr([2], [3, 0]),
      moving_variance: arr([2], [4, 1]),
    }
    // channel 0 at (0, 1): x = 2 → (2 − 3) / √(4 + 0) = −0.5 → 2·(−0.5) + 1 = 0
    const e = explainBatchNorm({ input: X2, weights, config: { epsilon: 0 }, cell: { row: 0, col: 1, channel: 0 } })
    expect(e.normalised).toBeCloseTo(-0.5, 6)
    expect(e.value).toBeCloseTo(0, 6)
  })
})

describe('explainCell', () => {
  it('dispatches by layer type and reads the network value back', () => {
    const e = explainCell(
      { type: 'MaxPooling2D', config: { pool_size: [2, 2], strides: [1, 1] } },
      { input: arr([3, 3, 1], CH0) },
      { row: 1, col: 1, channel: 0 },
    )
    expect(e.value).toBe(9)
    expect(explainCell({ type: 'Add' }, { input: X2 }, { index: 0 })).toBeNull()
    expect(valueAt(X2, { row: 2, col: 2, channel: 1 })).toBe(90)
    expect(valueAt(arr([2], [7, 8]), { index: 1 })).toBe(8)
  })
})

describe('explainDepthwise', () => {
  // Independent reference: a depthwise convolution is a full convolution whose kernel is zero
  // except where output channel c·M + m reads input channel c.
  const rand = (n, seed) => Float32Array.from({ length: n }, (_, i) => Math.sin(seed * 12.9898 + i * 78.233) * 3)
  const input = { shape: [5, 6, 3], data: rand(5 * 6 * 3, 1) }
  const mult = 2
  const kernel = { shape: [3, 3, 3, mult], data: rand(3 * 3 * 3 * mult, 2) }
  const bias = { shape: [6], data: rand(6, 3) }
  const full = { shape: [3, 3, 3, 6], data: new Float32Array(3 * 3 * 3 * 6) }
  for (let i = 0; i < 3; i++)
    for (let j = 0; j < 3; j++)
      for (let c = 0; c < 3; c++)
        for (let m = 0; m < mult; m++)
          full.data[((i * 3 + j) * 3 + c) * 6 + c * mult + m] = kernel.data[((i * 3 + j) * 3 + c) * mult + m]

  it('matches the equivalent full convolution on every channel, padding and stride', () => {
    for (const config of [
      { padding: 'same', strides: [1, 1], activation: 'linear' },
      { padding: 'same', strides: [2, 2], activation: 'relu' },
      { padding: 'valid', strides: [1, 1], activation: 'linear' },
    ])
      for (let channel = 0; channel < 6; channel++)
        for (const [row, col] of [
          [0, 0],
          [1, 2],
        ]) {
          const d = explainDepthwise({ input, kernel, bias, config, row, col, channel })
          const f = explainConv({ input, kernel: full, bias, config, row, col, channel })
          expect(d.value).toBeCloseTo(f.value, 5)
          expect(d.channels).toHaveLength(1)
          expect(d.inChannel).toBe(Math.floor(channel / mult))
          expect(d.channels[0].terms).toHaveLength(9)
        }
  })

  it('is what explainCell gives a DepthwiseConv2D layer, with ReLU6 written as such', () => {
    const layer = { type: 'DepthwiseConv2D', config: { padding: 'same', strides: [1, 1] } }
    const e = explainCell(layer, { input, weights: { kernel, bias } }, { row: 2, col: 3, channel: 5 })
    expect(e.kind).toBe('depthwise')
    expect(e.inChannel).toBe(2)
    const capped = explainElementwise({
      input: arr([3], [-1, 2, 9]),
      type: 'ReLU',
      config: { max_value: 6 },
      cell: { index: 2 },
    })
    expect(capped.value).toBe(6)
    expect(capped.text).toMatch(/^ReLU6/)
  })
})
