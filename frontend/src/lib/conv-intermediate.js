/**
 * The numbers behind the convolution's intermediate view: where the kernel window sits for each
 * output cell (stride, padding, dilation as the layer has them), the padded input maps it slides
 * over, and one output channel split into its per-input-channel parts. Pure JavaScript, no Vue.
 *
 * Arrays are {shape, data} in C order, as the server's .npy files: input H×W×C, kernel
 * kh×kw×C_in×C_out (Keras layout). Padding follows TensorFlow: 'same' puts the odd padding cell
 * after (bottom / right), and sizes it with the dilated kernel's span.
 */
import { outputSize } from './conv-math'
import { hwcIndex, layerPadding, pair } from './layer-math'

/**
 * The sliding geometry of a Conv2D layer over an input of `inShape` ([H, W, …]):
 * {kh, kw, strides, dilation, span: [spanH, spanW], pad: {top, bottom, left, right},
 *  outH, outW, paddedH, paddedW}. `config` is the layer's Keras config.
 */
export function convGeometry(inShape, [kh, kw], config = {}) {
  const [h, w] = inShape
  const strides = pair(config.strides, [1, 1])
  const dilation = pair(config.dilation_rate, [1, 1])
  const padding = config.padding || 'valid'
  // a dilated kernel covers (k − 1)·d + 1 cells, with holes between its taps
  const span = [(kh - 1) * dilation[0] + 1, (kw - 1) * dilation[1] + 1]
  const pad = layerPadding({ inShape, kernel: [kh, kw], strides, dilation, padding })
  return {
    kh, kw, strides, dilation, span, pad, padding,
    outH: outputSize(h, span[0], strides[0], padding === 'same' ? 'same' : 'valid'),
    outW: outputSize(w, span[1], strides[1], padding === 'same' ? 'same' : 'valid'),
    inH: h, inW: w, paddedH: h + pad.top + pad.bottom, paddedW: w + pad.left + pad.right,
  } // prettier-ignore
}

/** The window read for output cell (row, col), in padded coordinates: {top, left, height, width}. */
export function windowRect(geom, row, col) {
  return { top: row * geom.strides[0], left: col * geom.strides[1], height: geom.span[0], width: geom.span[1] }
}

/** The kernel's taps for output cell (row, col): {i, j, top, left} in padded coordinates. */
export function windowTaps(geom, row, col) {
  const { top, left } = windowRect(geom, row, col)
  const out = []
  for (let i = 0; i < geom.kh; i++) {
    for (let j = 0; j < geom.kw; j++)
      out.push({ i, j, top: top + i * geom.dilation[0], left: left + j * geom.dilation[1] })
  }
  return out
}

/** Input channel k as a paddedH×paddedW map with a frame of zeros (the padding). */
export function paddedChannel(input, k, geom) {
  const { pad, paddedW, inH, inW } = geom
  const out = new Float32Array(geom.paddedH * paddedW)
  for (let r = 0; r < inH; r++) {
    for (let c = 0; c < inW; c++)
      out[(r + pad.top) * paddedW + c + pad.left] = input.data[hwcIndex(input.shape, r, c, k)]
  }
  return out
}

/** kernel[:, :, k, channel] as a kh×kw map. */
export function kernelSlice(kernel, k, channel) {
  const [kh, kw, cin, cout] = kernel.shape
  const out = new Float32Array(kh * kw)
  for (let i = 0; i < kh; i++)
    for (let j = 0; j < kw; j++) out[i * kw + j] = kernel.data[((i * kw + j) * cin + k) * cout + channel]
  return out
}

/**
 * One output channel split into its parts: for each kernel slice k, the input channel it reads
 * convolved with it. Returns {channels: [input channel index per part], parts: [Float64Array
 * outH×outW], z: Float64Array (Σ parts + bias)}. Sums run in float64, so they agree with the
 * network's float32 output to float32 rounding. Grouped convolutions (config.groups) read only
 * their group's input channels.
 */
export function channelParts(input, kernel, bias, channel, geom) {
  const [, , kcin, cout] = kernel.shape
  const groups = Math.max(1, Math.round(input.shape[2] / kcin))
  const first = Math.floor(channel / (cout / groups)) * kcin
  const { outH, outW, pad, dilation, inH, inW } = geom
  const channels = []
  const parts = []
  for (let k = 0; k < kcin; k++) {
    const weights = kernelSlice(kernel, k, channel)
    const part = new Float64Array(outH * outW)
    for (let r = 0; r < outH; r++) {
      for (let c = 0; c < outW; c++) {
        const { top, left } = windowRect(geom, r, c)
        let s = 0
        for (let i = 0; i < geom.kh; i++) {
          const y = top + i * dilation[0] - pad.top
          if (y < 0 || y >= inH) continue // padding rows read zeros
          for (let j = 0; j < geom.kw; j++) {
            const x = left + j * dilation[1] - pad.left
            if (x >= 0 && x < inW) s += input.data[hwcIndex(input.shape, y, x, first + k)] * weights[i * geom.kw + j]
          }
        }
        part[r * outW + c] = s
      }
    }
    channels.push(first + k)
    parts.push(part)
  }
  const b = bias ? bias.data[channel] : 0
  const z = new Float64Array(outH * outW).fill(b)
  for (const part of parts) for (let i = 0; i < z.length; i++) z[i] += part[i]
  return { channels, parts, z, bias: b }
}

/** Channel `k` of an H×W×C array as a flat H×W Float32Array. */
export function channelOf(array, k) {
  const [h, w, c] = array.shape
  const out = new Float32Array(h * w)
  for (let i = 0; i < h * w; i++) out[i] = array.data[i * c + k]
  return out
}

/** Largest |value| over several arrays (1 when all are zero, so a scale never divides by 0). */
export function maxAbs(...arrays) {
  let m = 0
  for (const a of arrays) for (let i = 0; i < a.length; i++) if (Math.abs(a[i]) > m) m = Math.abs(a[i])
  return m || 1
}
