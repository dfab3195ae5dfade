/**
 * The arithmetic behind one output value of a layer, with the network's own numbers: which
 * inputs it read, what it multiplied them by, what it added. Pure JavaScript, no Vue.
 *
 * Arrays are {shape, data} in C order, as parsed from the server's .npy files: activations
 * H×W×C (or a flat vector), conv kernels kh×kw×C_in×C_out, dense kernels n_in×units.
 * Every explanation ends with `value` (what these numbers give, in float64) so a view can set
 * it beside the network's own output and show that they agree.
 */
import { samePadding } from './conv-math'

/** Layer types with a detail view (Keras class names). */
export const EXPLAINED_TYPES = new Set([
  'Conv2D', 'Dense', 'MaxPooling2D', 'AveragePooling2D', 'GlobalAveragePooling2D',
  'GlobalMaxPooling2D', 'Flatten', 'ReLU', 'Activation', 'LeakyReLU', 'ELU', 'Softmax',
  'BatchNormalization', 'Dropout', 'DepthwiseConv2D',
]) // prettier-ignore

/** Element-wise activations by Keras name: f(z) and the formula as text. */
const ELEMENTWISE = {
  linear: { f: (z) => z, text: 'linear (unchanged)' },
  relu: { f: (z) => Math.max(z, 0), text: 'ReLU: max(0, z)' },
  sigmoid: { f: (z) => 1 / (1 + Math.exp(-z)), text: 'sigmoid: 1 / (1 + e^(−z))' },
  tanh: { f: Math.tanh, text: 'tanh(z)' },
  elu: { f: (z) => (z > 0 ? z : Math.exp(z) - 1), text: 'ELU: z if z > 0, else e^z − 1' },
  selu: {
    f: (z) => 1.0507009873554805 * (z > 0 ? z : 1.6732632423543772 * (Math.exp(z) - 1)),
    text: 'SELU: 1.0507 · (z if z > 0, else 1.6733 · (e^z − 1))',
  },
  softplus: { f: (z) => Math.log1p(Math.exp(z)), text: 'softplus: ln(1 + e^z)' },
  silu: { f: (z) => z / (1 + Math.exp(-z)), text: 'SiLU (swish): z · sigmoid(z)' },
  swish: { f: (z) => z / (1 + Math.exp(-z)), text: 'SiLU (swish): z · sigmoid(z)' },
  relu6: { f: (z) => Math.min(Math.max(z, 0), 6), text: 'ReLU6: min(max(0, z), 6)' },
  gelu: {
    // Keras' default GELU is the tanh approximation
    f: (z) => 0.5 * z * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (z + 0.044715 * z ** 3))),
    text: 'GELU (tanh approximation)',
  },
}

/** The element-wise activation called `name`, or null when unknown (softmax is not element-wise). */
export function activationFn(name = 'linear') {
  return ELEMENTWISE[name || 'linear'] || null
}

/** One element-wise activation applied: {name, text, z, value}; unknown names leave z unchanged. */
export function applyActivation(name, z) {
  const act = activationFn(name)
  return act
    ? { name, text: act.text, z, value: act.f(z) }
    : { name, text: `${name} (not written out here)`, z, value: z }
}

/** ReLU layer's options (Keras ReLU: max_value, negative_slope, threshold). */
export function reluLayer(x, { max_value: maxValue = null, negative_slope: slope = 0, threshold = 0 } = {}) {
  let value = x >= threshold ? x : slope * (x - threshold) + 0 // + 0 turns −0 into 0
  if (maxValue !== null && maxValue !== undefined) value = Math.min(value, maxValue)
  const parts = [`x if x ≥ ${threshold}`, slope ? `else ${slope} · (x − ${threshold})` : 'else 0']
  if (maxValue !== null && maxValue !== undefined) parts.push(`capped at ${maxValue}`)
  if (maxValue === 6 && !slope && !threshold) return { text: 'ReLU6: min(max(0, x), 6), a ReLU capped at 6', value }
  return { text: `ReLU: ${parts.join(', ')}`, value }
}

/** A Keras size option as [rows, cols]: a list stays, a number n is [n, n], null is `fallback`. */
export const pair = (v, fallback) => (Array.isArray(v) ? v : v === null || v === undefined ? fallback : [v, v])

/** Flat index of (row, col, channel) in an H×W×C array. */
export function hwcIndex([, w, c], row, col, ch) {
  return (row * w + col) * c + ch
}

/** (row, col, channel) of a flat index into an H×W×C array: how Flatten unrolls it (C order). */
export function unflatten([, w, c], index) {
  return { row: Math.floor(index / (w * c)), col: Math.floor(index / c) % w, channel: index % c }
}

/**
 * Where a sliding window sits for output cell (row, col): its top-left input coordinate (may be
 * negative inside the padding), the step between taps (dilation) and the padding used.
 * padding: 'valid' or 'same' (TensorFlow: the odd padding cell goes after, bottom / right).
 */
export function windowOrigin({ inShape, kernel, strides, dilation = [1, 1], padding, row, col }) {
  const pad = layerPadding({ inShape, kernel, strides, dilation, padding })
  return { top: row * strides[0] - pad.top, left: col * strides[1] - pad.left, padTop: pad.top, padLeft: pad.left }
}

/** The zeros a sliding layer adds around its input: {top, bottom, left, right} (TensorFlow's rule). */
export function layerPadding({ inShape, kernel, strides, dilation = [1, 1], padding }) {
  if (padding !== 'same') return { top: 0, bottom: 0, left: 0, right: 0 }
  const v = samePadding(inShape[0], (kernel[0] - 1) * dilation[0] + 1, strides[0])
  const u = samePadding(inShape[1], (kernel[1] - 1) * dilation[1] + 1, strides[1])
  return { top: v.before, bottom: v.after, left: u.before, right: u.after }
}

/** The window's taps: {i, j, r, c, pad} with input coordinates r, c (pad = outside the input). */
function taps({ inShape, kernel, strides, dilation = [1, 1], padding, row, col }) {
  const { top, left } = windowOrigin({ inShape, kernel, strides, dilation, padding, row, col })
  const out = []
  for (let i = 0; i < kernel[0]; i++) {
    for (let j = 0; j < kernel[1]; j++) {
      const r = top + i * dilation[0]
      const c = left + j * dilation[1]
      out.push({ i, j, r, c, pad: r < 0 || c < 0 || r >= inShape[0] || c >= inShape[1] })
    }
  }
  return out
}

/**
 * A Conv2D output value: for every input channel, the window's values times the kernel slice;
 * their sums (one per input channel), the total, the bias, the activation.
 */
export function explainConv({ input, kernel, bias = null, config = {}, row, col, channel }) {
  const [h, w, cin] = input.shape
  const [kh, kw, kcin, cout] = kernel.shape
  if (kcin !== cin) throw new Error(`kernel expects ${kcin} input channels, the input has ${cin}`)
  const strides = pair(config.strides, [1, 1])
  const dilation = pair(config.dilation_rate, [1, 1])
  const padding = config.padding || 'valid'
  const window = taps({ inShape: [h, w], kernel: [kh, kw], strides, dilation, padding, row, col })
  const channels = []
  let total = 0
  for (let k = 0; k < cin; k++) {
    const terms = window.map((t) => {
      const x = t.pad ? 0 : input.data[hwcIndex(input.shape, t.r, t.c, k)]
      const wt = kernel.data[((t.i * kw + t.j) * cin + k) * cout + channel]
      return { ...t, x, w: wt, product: x * wt }
    })
    const sum = terms.reduce((s, t) => s + t.product, 0)
    total += sum
    channels.push({ channel: k, terms, sum })
  }
  const b = bias ? bias.data[channel] : 0
  const z = total + b
  const act = applyActivation(config.activation, z)
  return {
    kind: 'conv', row, col, channel, window, channels, total, bias: b, hasBias: !!bias, z,
    activation: act, value: act.value, strides, dilation, padding,
    origin: windowOrigin({ inShape: [h, w], kernel: [kh, kw], strides, dilation, padding, row, col }),
    pad: layerPadding({ inShape: [h, w], kernel: [kh, kw], strides, dilation, padding }),
    kernelSize: [kh, kw], inShape: input.shape,
  } // prettier-ignore
}

/**
 * A DepthwiseConv2D output value: output channel o reads input channel ⌊o / multiplier⌋ only,
 * its window times that channel's own k×k filter (kernel kh×kw×C_in×multiplier), plus the bias;
 * then the activation. The same shape as explainConv's result, with one input channel.
 */
export function explainDepthwise({ input, kernel, bias = null, config = {}, row, col, channel }) {
  const [h, w, cin] = input.shape
  const [kh, kw, kcin, mult] = kernel.shape
  if (kcin !== cin) throw new Error(`kernel expects ${kcin} input channels, the input has ${cin}`)
  const strides = pair(config.strides, [1, 1])
  const dilation = pair(config.dilation_rate, [1, 1])
  const padding = config.padding || 'valid'
  const window = taps({ inShape: [h, w], kernel: [kh, kw], strides, dilation, padding, row, col })
  const k = Math.floor(channel / mult)
  const m = channel % mult
  const terms = window.map((t) => {
    const x = t.pad ? 0 : input.data[hwcIndex(input.shape, t.r, t.c, k)]
    const wt = kernel.data[((t.i * kw + t.j) * cin + k) * mult + m]
    return { ...t, x, w: wt, product: x * wt }
  })
  const total = terms.reduce((s, t) => s + t.product, 0)
  const b = bias ? bias.data[channel] : 0
  const z = total + b
  const act = applyActivation(config.activation, z)
  return {
    kind: 'depthwise', row, col, channel, window, channels: [{ channel: k, terms, sum: total }], total,
    bias: b, hasBias: !!bias, z, activation: act, value: act.value, strides, dilation, padding,
    origin: windowOrigin({ inShape: [h, w], kernel: [kh, kw], strides, dilation, padding, row, col }),
    pad: layerPadding({ inShape: [h, w], kernel: [kh, kw], strides, dilation, padding }),
    kernelSize: [kh, kw], inShape: input.shape, multiplier: mult, inChannel: k,
  } // prettier-ignore
}

/** A pooling output value: the window's values and the one kept (max) or their mean (average). */
export function explainPool({ input, config = {}, mode = 'max', row, col, channel }) {
  const [h, w] = input.shape
  const size = pair(config.pool_size, [2, 2])
  const strides = pair(config.strides, size)
  const padding = config.padding || 'valid'
  const window = taps({ inShape: [h, w], kernel: size, strides, padding, row, col }).map((t) => ({
    ...t,
    x: t.pad ? null : input.data[hwcIndex(input.shape, t.r, t.c, channel)],
  }))
  // Like TensorFlow, padding cells never win a max and are left out of an average's count.
  const real = window.filter((t) => !t.pad)
  let value
  let winner = null
  if (mode === 'max') {
    winner = real.reduce((best, t) => (best === null || t.x > best.x ? t : best), null)
    value = winner ? winner.x : 0
  } else {
    value = real.length ? real.reduce((s, t) => s + t.x, 0) / real.length : 0
  }
  return {
    kind: mode === 'max' ? 'max-pool' : 'avg-pool', row, col, channel, window, count: real.length,
    winner, value, strides, padding, kernelSize: size, inShape: input.shape,
    origin: windowOrigin({ inShape: [h, w], kernel: size, strides, padding, row, col }),
    pad: layerPadding({ inShape: [h, w], kernel: size, strides, padding }),
  } // prettier-ignore
}

/** A global pooling output value: the mean (or max) of one whole channel. */
export function explainGlobalPool({ input, mode = 'avg', index }) {
  const [h, w, c] = input.shape
  const values = new Float64Array(h * w)
  for (let i = 0; i < h * w; i++) values[i] = input.data[i * c + index]
  let value
  let winner = null
  if (mode === 'max') {
    winner = 0
    for (let i = 1; i < values.length; i++) if (values[i] > values[winner]) winner = i
    value = values[winner]
  } else {
    value = values.reduce((s, v) => s + v, 0) / values.length
  }
  const sum = values.reduce((s, v) => s + v, 0)
  return {
    kind: mode === 'max' ? 'global-max' : 'global-avg',
    index,
    channel: index,
    values,
    sum,
    count: values.length,
    winner,
    value,
    inShape: input.shape,
  }
}

/** A Flatten output value: which (row, column, channel) of the previous layer it is. */
export function explainFlatten({ input, index }) {
  const shape = input.shape
  const at = shape.length === 3 ? unflatten(shape, index) : { row: 0, col: 0, channel: index }
  return { kind: 'flatten', index, ...at, inShape: shape, value: input.data[index] }
}

/**
 * A Dense output value: Σ x_i · w_i + bias, then the activation. For softmax every unit's z is
 * needed, so all are computed (z_j = Σ x_i · w_ij + b_j) and the softmax is written out.
 * `top` terms with the largest |x·w| are listed; the rest are summed in `restSum`.
 */
export function explainDense({ input, kernel, bias = null, config = {}, index, top = 12 }) {
  const n = input.data.length
  const [nin, units] = kernel.shape
  if (nin !== n) throw new Error(`kernel expects ${nin} inputs, the layer has ${n}`)
  const zs = denseScores(input.data, kernel, bias)
  const terms = []
  let total = 0
  for (let i = 0; i < n; i++) {
    const product = input.data[i] * kernel.data[i * units + index]
    total += product
    terms.push({ i, x: input.data[i], w: kernel.data[i * units + index], product })
  }
  const ranked = [...terms].sort((a, b) => Math.abs(b.product) - Math.abs(a.product))
  const shown = ranked.slice(0, top)
  const restSum = ranked.slice(top).reduce((s, t) => s + t.product, 0)
  const b = bias ? bias.data[index] : 0
  const z = total + b
  const base = {
    kind: 'dense',
    index,
    n,
    terms,
    shown,
    restSum,
    restCount: Math.max(n - top, 0),
    total,
    bias: b,
    hasBias: !!bias,
    z,
    zs,
  }
  if (config.activation === 'softmax') {
    const sm = explainSoftmax({ input: { shape: [units], data: zs }, index })
    return {
      ...base,
      softmax: sm,
      activation: { name: 'softmax', text: 'softmax', z, value: sm.value },
      value: sm.value,
    }
  }
  const act = applyActivation(config.activation, z)
  return { ...base, activation: act, value: act.value }
}

/** Every unit's score z_j = Σ_i x_i · w_ij + b_j, in float64 (bias null: no bias). */
export function denseScores(x, kernel, bias = null) {
  const n = x.length
  const [nin, units] = kernel.shape
  if (nin !== n) throw new Error(`the dense layer expects ${nin} inputs, it was given ${n}`)
  const zs = new Float64Array(units)
  for (let j = 0; j < units; j++) zs[j] = bias ? bias.data[j] : 0
  const w = kernel.data
  for (let i = 0; i < n; i++) {
    const xi = x[i]
    if (xi === 0) continue // after ReLU most inputs are 0
    const row = i * units
    for (let j = 0; j < units; j++) zs[j] += xi * w[row + j]
  }
  return zs
}

/**
 * Softmax of a vector at `index`: e^(z_index) / Σ_j e^(z_j). When a z is large the exponentials
 * would overflow, so every z is first lowered by the largest one (`shift`; the result is the same).
 */
export function explainSoftmax({ input, index }) {
  const zs = Array.from(input.data)
  const maxZ = Math.max(...zs)
  const shift = maxZ > 60 ? maxZ : 0
  const exps = zs.map((z) => Math.exp(z - shift))
  const sum = exps.reduce((s, e) => s + e, 0)
  return { kind: 'softmax', index, zs, exps, shift, sum, value: exps[index] / sum }
}

/** An element-wise layer's output value (ReLU, Activation, LeakyReLU, ELU, Dropout). */
export function explainElementwise({ input, type, config = {}, cell }) {
  const i = input.shape.length === 3 ? hwcIndex(input.shape, cell.row, cell.col, cell.channel) : cell.index
  const x = input.data[i]
  let act
  if (type === 'ReLU') act = reluLayer(x, config)
  else if (type === 'LeakyReLU') {
    const slope = config.negative_slope ?? config.alpha ?? 0.3
    act = { text: `leaky ReLU: x if x ≥ 0, else ${slope} · x`, value: x >= 0 ? x : slope * x }
  } else if (type === 'ELU') {
    const a = config.alpha ?? 1
    act = { text: `ELU: x if x > 0, else ${a} · (e^x − 1)`, value: x > 0 ? x : a * (Math.exp(x) - 1) }
  } else if (type === 'Dropout')
    act = { text: 'dropout is switched off when the network predicts: the value passes unchanged', value: x }
  else act = applyActivation(config.activation, x)
  return { kind: 'elementwise', type, ...cell, x, text: act.text, value: act.value }
}

/** A BatchNormalization output value: γ · (x − mean) / √(variance + ε) + β, per channel. */
export function explainBatchNorm({ input, weights, config = {}, cell }) {
  const ch = input.shape.length === 3 ? cell.channel : cell.index
  const i = input.shape.length === 3 ? hwcIndex(input.shape, cell.row, cell.col, cell.channel) : cell.index
  const x = input.data[i]
  const gamma = weights.gamma ? weights.gamma.data[ch] : 1
  const beta = weights.beta ? weights.beta.data[ch] : 0
  const mean = weights.moving_mean.data[ch]
  const variance = weights.moving_variance.data[ch]
  const epsilon = config.epsilon ?? 0.001
  const std = Math.sqrt(variance + epsilon)
  const normalised = (x - mean) / std
  return {
    kind: 'batchnorm',
    ...cell,
    channel: ch,
    x,
    gamma,
    beta,
    mean,
    variance,
    epsilon,
    std,
    normalised,
    value: gamma * normalised + beta,
  }
}

/**
 * Explain one output value of `layer` ({type, config}) from its float32 input, its weights and
 * the cell ({row, col, channel} for maps, {index} for vectors). Returns null for layer types
 * without a detail view.
 */
export function explainCell(layer, { input, weights = {} }, cell) {
  const { type, config = {} } = layer
  switch (type) {
    case 'Conv2D':
      return explainConv({ input, kernel: weights.kernel, bias: weights.bias, config, ...cell })
    case 'DepthwiseConv2D':
      return explainDepthwise({ input, kernel: weights.kernel, bias: weights.bias, config, ...cell })
    case 'MaxPooling2D':
      return explainPool({ input, config, mode: 'max', ...cell })
    case 'AveragePooling2D':
      return explainPool({ input, config, mode: 'avg', ...cell })
    case 'GlobalAveragePooling2D':
      return explainGlobalPool({ input, mode: 'avg', index: cell.index })
    case 'GlobalMaxPooling2D':
      return explainGlobalPool({ input, mode: 'max', index: cell.index })
    case 'Flatten':
      return explainFlatten({ input, index: cell.index })
    case 'Dense':
      return explainDense({ input, kernel: weights.kernel, bias: weights.bias, config, index: cell.index })
    case 'Softmax':
      return explainSoftmax({ input, index: cell.index ?? cell.channel })
    case 'BatchNormalization':
      return explainBatchNorm({ input, weights, config, cell })
    case 'ReLU':
    case 'Activation':
    case 'LeakyReLU':
    case 'ELU':
    case 'Dropout':
      if (type === 'Activation' && config.activation === 'softmax') return explainSoftmax({ input, index: cell.index })
      return explainElementwise({ input, type, config, cell })
    default:
      return null
  }
}

/** The weight parts a layer type's detail view needs. */
export function weightsFor(type) {
  if (type === 'Conv2D' || type === 'DepthwiseConv2D' || type === 'Dense') return ['kernel', 'bias']
  if (type === 'BatchNormalization') return ['gamma', 'beta', 'moving_mean', 'moving_variance']
  return []
}

/** The network's own value at a cell of an output array {shape, data}. */
export function valueAt(output, cell) {
  if (output.shape.length === 3) return output.data[hwcIndex(output.shape, cell.row, cell.col, cell.channel)]
  return output.data[cell.index]
}
