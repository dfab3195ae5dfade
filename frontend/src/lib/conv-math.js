/**
 * The arithmetic of convolution and pooling on small 2-D arrays, written out for teaching:
 * every output cell keeps the window it read and the products it added. Pure JavaScript, no Vue.
 *
 * Like every deep-learning library, "convolution" here is cross-correlation: the kernel is not
 * flipped. Padding follows TensorFlow: 'valid' adds none; 'same' gives ceil(n / stride) outputs
 * and puts the odd padding cell after (bottom / right), never before.
 */

/**
 * Output length along one axis: floor((n + 2p − k) / s) + 1; 0 when the kernel does not fit.
 * `padding` may also be 'valid' or 'same' (TensorFlow's rule).
 */
export function outputSize(n, k, stride = 1, padding = 0) {
  if (padding === 'valid') return validOutputSize(n, k, stride)
  if (padding === 'same') return samePadding(n, k, stride).out
  if (n + 2 * padding < k) return 0
  return Math.floor((n + 2 * padding - k) / stride) + 1
}

/** 'valid' (no padding): floor((n − k) / s) + 1, or 0 when k > n. */
export function validOutputSize(n, k, stride = 1) {
  return n < k ? 0 : Math.floor((n - k) / stride) + 1
}

/**
 * 'same' padding along one axis, TensorFlow's rule: out = ceil(n / s),
 * total = max((out − 1)·s + k − n, 0), before = floor(total / 2), after = the rest.
 */
export function samePadding(n, k, stride = 1) {
  const out = Math.ceil(n / stride)
  const total = Math.max((out - 1) * stride + k - n, 0)
  const before = Math.floor(total / 2)
  return { out, total, before, after: total - before }
}

/** Padding of a 2-D input as {top, bottom, left, right}: a number, 'valid' or 'same'. */
export function resolvePadding(shape, kernelShape, stride, padding) {
  const [h, w] = shape
  const [kh, kw] = kernelShape
  if (padding === 'valid' || !padding) return { top: 0, bottom: 0, left: 0, right: 0 }
  if (padding === 'same') {
    const v = samePadding(h, kh, stride)
    const u = samePadding(w, kw, stride)
    return { top: v.before, bottom: v.after, left: u.before, right: u.after }
  }
  if (typeof padding === 'number') return { top: padding, bottom: padding, left: padding, right: padding }
  return { top: 0, bottom: 0, left: 0, right: 0, ...padding }
}

/** Surround a 2-D array with `fill` (zeros by default); p is a number or {top, bottom, left, right}. */
export function pad2d(input, p, fill = 0) {
  const pad = typeof p === 'number' ? { top: p, bottom: p, left: p, right: p } : p
  const w = (input[0] ? input[0].length : 0) + pad.left + pad.right
  const row = () => new Array(w).fill(fill)
  const out = []
  for (let i = 0; i < pad.top; i++) out.push(row())
  for (const r of input) out.push([...new Array(pad.left).fill(fill), ...r, ...new Array(pad.right).fill(fill)])
  for (let i = 0; i < pad.bottom; i++) out.push(row())
  return out
}

function shapeOf(a) {
  return [a.length, a[0] ? a[0].length : 0]
}

/**
 * Slide a window over the padded input and reduce each window. `reduce(terms)` gets the window's
 * cells ({pr, pc, r, c, x, pad, i, j}) and returns {value, ...extra} for the output cell.
 */
function slide(input, [kh, kw], stride, padding, fill, reduce) {
  const [h, w] = shapeOf(input)
  const pad = resolvePadding([h, w], [kh, kw], stride, padding)
  const padded = pad2d(input, pad, fill)
  const ph = h + pad.top + pad.bottom
  const pw = w + pad.left + pad.right
  const outH = ph < kh ? 0 : Math.floor((ph - kh) / stride) + 1
  const outW = pw < kw ? 0 : Math.floor((pw - kw) / stride) + 1
  const output = []
  const cells = []
  for (let oi = 0; oi < outH; oi++) {
    const outRow = []
    const cellRow = []
    for (let oj = 0; oj < outW; oj++) {
      const top = oi * stride
      const left = oj * stride
      const terms = []
      for (let i = 0; i < kh; i++) {
        for (let j = 0; j < kw; j++) {
          const pr = top + i
          const pc = left + j
          const r = pr - pad.top
          const c = pc - pad.left
          const isPad = r < 0 || c < 0 || r >= h || c >= w
          terms.push({ i, j, pr, pc, r, c, pad: isPad, x: padded[pr][pc] })
        }
      }
      const cell = { row: oi, col: oj, top, left, height: kh, width: kw, ...reduce(terms) }
      outRow.push(cell.value)
      cellRow.push(cell)
    }
    output.push(outRow)
    cells.push(cellRow)
  }
  return { output, cells, pad, padded, paddedShape: [ph, pw] }
}

/**
 * 2-D convolution (cross-correlation, no kernel flip) of one channel.
 * Returns {output, cells, pad, padded, paddedShape}; each cell has its window (top, left, height,
 * width in padded coordinates), its terms (x, w, product, input coordinates r, c and whether the
 * cell is padding) and value = the sum of the products.
 */
export function conv2d(input, kernel, { stride = 1, padding = 0 } = {}) {
  return slide(input, shapeOf(kernel), stride, padding, 0, (terms) => {
    let value = 0
    for (const t of terms) {
      t.w = kernel[t.i][t.j]
      t.product = t.x * t.w + 0 // + 0 turns −0 into 0
      value += t.product
    }
    return { terms, value: value + 0 }
  })
}

function poolOptions(opts) {
  const size = opts.size ?? 2
  return { size, stride: opts.stride ?? size, padding: opts.padding ?? 'valid' }
}

/** Max pooling; 'same' padding never wins (like TensorFlow, padding cells are ignored). */
export function maxPool2d(input, opts = {}) {
  const { size, stride, padding } = poolOptions(opts)
  return slide(input, [size, size], stride, padding, 0, (terms) => {
    const real = terms.filter((t) => !t.pad)
    return { terms, value: real.length ? Math.max(...real.map((t) => t.x)) : 0 }
  })
}

/** Average pooling; with 'same' padding, padding cells are left out of the count (TensorFlow). */
export function avgPool2d(input, opts = {}) {
  const { size, stride, padding } = poolOptions(opts)
  return slide(input, [size, size], stride, padding, 0, (terms) => {
    const real = terms.filter((t) => !t.pad)
    return { terms, value: real.length ? real.reduce((s, t) => s + t.x, 0) / real.length : 0 }
  })
}

/** max(0, x), element-wise on numbers, vectors or 2-D arrays. */
export function relu(x) {
  if (Array.isArray(x)) return x.map(relu)
  return x > 0 ? x : 0
}

/** Softmax of a vector, numerically stable (the maximum is subtracted first). */
export function softmax(v) {
  if (!v.length) return []
  const m = Math.max(...v)
  const e = v.map((x) => Math.exp(x - m))
  const s = e.reduce((a, b) => a + b, 0)
  return e.map((x) => x / s)
}
