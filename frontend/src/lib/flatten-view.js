/**
 * The flatten view's arithmetic and geometry, pure JavaScript (no Vue, no DOM): how a Flatten
 * lays an H×W×C block out as one vector, what the dense layer reading it makes of that vector,
 * and where each value sits in the figure.
 *
 * Arrays are {shape, data} in C order, as parsed from the server's .npy files. Keras is
 * channels-last, so flat index i = (row·W + col)·C + channel: the channel changes fastest.
 * A dense kernel is n_in×units: w_ij = kernel.data[i·units + j].
 */
import { activationFn, denseScores } from './layer-math'

/** A Flatten input shape as [H, W, C]: a 2-D block [L, C] is one row, a vector one row of 1 channel. */
export function blockShape(shape) {
  if (shape.length === 3) return shape
  if (shape.length === 2) return [1, shape[0], shape[1]]
  if (shape.length === 1) return [1, shape[0], 1]
  throw new Error(`cannot lay out a ${shape.length}-D block`)
}

export { denseScores } // one implementation, in layer-math.js

/** Index of the largest value (the first one on ties); −1 for an empty list. */
export function argmax(values) {
  let best = -1
  for (let i = 0; i < values.length; i++) if (best < 0 || values[i] > values[best]) best = i
  return best
}

/** Softmax, with the largest score taken off first so e^z never overflows. */
export function softmax(zs) {
  let max = -Infinity
  for (const z of zs) max = Math.max(max, z)
  const exps = Array.from(zs, (z) => Math.exp(z - max))
  const sum = exps.reduce((s, e) => s + e, 0)
  return Float64Array.from(exps, (e) => e / sum)
}

/**
 * The dense layer's output from its scores: softmax, or an element-wise activation. Returns null
 * for an activation this view cannot write out.
 */
export function activate(name, zs) {
  if (name === 'softmax') return softmax(zs)
  const act = activationFn(name || 'linear')
  return act ? Float64Array.from(zs, act.f) : null
}

/** The largest |a_i − b_i| (a and b the same length). */
export function maxAbsDifference(a, b) {
  if (a.length !== b.length) throw new Error(`cannot compare ${a.length} values with ${b.length}`)
  let d = 0
  for (let i = 0; i < a.length; i++) d = Math.max(d, Math.abs(a[i] - b[i]))
  return d
}

/** The weights into unit j, one per input: w_ij for i = 0 … n−1. */
export function weightsTo(kernel, j) {
  const [n, units] = kernel.shape
  const out = new Float32Array(n)
  for (let i = 0; i < n; i++) out[i] = kernel.data[i * units + j]
  return out
}

/** The products x_i · w_ij for unit j, and how they add up: {products, total, positive, negative, zeros}. */
export function contributions(x, kernel, j) {
  const w = weightsTo(kernel, j)
  const products = new Float64Array(x.length)
  let positive = 0
  let negative = 0
  let nPositive = 0
  let nNegative = 0
  for (let i = 0; i < x.length; i++) {
    const p = x[i] * w[i]
    products[i] = p
    if (p > 0) {
      positive += p
      nPositive++
    } else if (p < 0) {
      negative += p
      nNegative++
    }
  }
  return {
    weights: w,
    products,
    total: positive + negative,
    positive,
    negative,
    nPositive,
    nNegative,
    zeros: x.length - nPositive - nNegative,
  }
}

/** Per-channel sums of a flattened H×W×C vector (e.g. the products): Σ over the channel's cells. */
export function channelSums(shape, values) {
  const c = blockShape(shape)[2]
  const sums = new Float64Array(c)
  for (let i = 0; i < values.length; i++) sums[i % c] += values[i]
  return sums
}

/** The `k` channels with the largest |sum|, largest first: [{channel, sum}]. */
export function topChannels(sums, k = 5) {
  return Array.from(sums, (sum, channel) => ({ channel, sum }))
    .sort((a, b) => Math.abs(b.sum) - Math.abs(a.sum) || a.channel - b.channel)
    .slice(0, k)
}

/** Index of the cell of `channel` whose value has the largest |v| (the first one on ties). */
export function strongestInChannel(shape, values, channel) {
  const c = blockShape(shape)[2]
  let best = channel
  for (let i = channel; i < values.length; i += c) if (Math.abs(values[i]) > Math.abs(values[best])) best = i
  return best
}

/** The largest |v|; 0 for an empty list. */
export function maxAbs(values) {
  let m = 0
  for (const v of values) {
    const a = Math.abs(v)
    if (a > m) m = a
  }
  return m
}

/**
 * How the channel maps tile a box of at most maxWidth × maxHeight CSS px: the column count
 * giving the largest cells. Each map is w·cell wide and h·cell + caption tall, with `gap`
 * between maps. Cells are whole pixels when ≥ 1 px (crisp), else as large as fits.
 */
export function mapGrid([h, w, c], { maxWidth, maxHeight, gap = 6, caption = 0 }) {
  let best = null
  for (let cols = 1; cols <= c; cols++) {
    const rows = Math.ceil(c / cols)
    const fitW = (maxWidth - gap * (cols - 1)) / (cols * w)
    const fitH = (maxHeight - (gap + caption) * rows + gap) / (rows * h)
    let cell = Math.min(fitW, fitH)
    if (cell >= 1) cell = Math.floor(cell)
    if (cell <= 0) continue
    if (!best || cell > best.cell) best = { cols, rows, cell }
  }
  // nothing fits: one pixel a cell, as square a grid as can be
  if (!best) {
    const cols = Math.ceil(Math.sqrt(c))
    best = { cols, rows: Math.ceil(c / cols), cell: 1 }
  }
  const mapW = w * best.cell
  const mapH = h * best.cell
  return {
    ...best,
    mapW,
    mapH,
    width: best.cols * mapW + (best.cols - 1) * gap,
    height: best.rows * (mapH + caption) + (best.rows - 1) * gap,
    gap,
    caption,
  }
}

/** Top-left corner (CSS px, from the grid's own corner) of channel k's map in a mapGrid layout. */
export function mapOrigin(grid, k) {
  const col = k % grid.cols
  const row = Math.floor(k / grid.cols)
  return { x: col * (grid.mapW + grid.gap), y: row * (grid.mapH + grid.caption + grid.gap) }
}

/** The (row, col, channel) cell at point (x, y) of a mapGrid layout, or null between maps. */
export function cellAt(grid, [h, w, c], x, y) {
  const gc = Math.floor(x / (grid.mapW + grid.gap))
  const gr = Math.floor(y / (grid.mapH + grid.caption + grid.gap))
  if (gc < 0 || gr < 0 || gc >= grid.cols) return null
  const channel = gr * grid.cols + gc
  if (channel >= c) return null
  const { x: ox, y: oy } = mapOrigin(grid, channel)
  const col = Math.floor((x - ox) / grid.cell)
  const row = Math.floor((y - oy) / grid.cell)
  if (col < 0 || row < 0 || col >= w || row >= h) return null
  return { row, col, channel }
}

/**
 * The strip's rows: one per value while n fits in `height` px, else `group` consecutive values
 * per row (each row then shows the strongest of its values). {group, rows, rowHeight}.
 */
export function stripRows(n, height) {
  const group = Math.max(1, Math.ceil(n / Math.max(1, Math.floor(height))))
  const rows = Math.ceil(n / group)
  return { group, rows, rowHeight: height / rows }
}

/** One value per strip row: of each group, the value with the largest |v| (the first on ties). */
export function groupStrongest(values, group) {
  const rows = Math.ceil(values.length / group)
  const out = new Float32Array(rows)
  for (let r = 0; r < rows; r++) {
    let best = values[r * group]
    for (let i = r * group + 1; i < Math.min(values.length, (r + 1) * group); i++)
      if (Math.abs(values[i]) > Math.abs(best)) best = values[i]
    out[r] = best
  }
  return out
}

/** The centre (px from the strip's top) of value i in a strip of `height` px holding n values. */
export function stripY(i, n, height) {
  return ((i + 0.5) * height) / n
}

/** The value at y px from the top of a strip of `height` px holding n values (clamped). */
export function stripIndexAt(y, n, height) {
  return Math.max(0, Math.min(n - 1, Math.floor((y / height) * n)))
}

/**
 * Which units get a node: all of them when there are at most `max`, else the `max − 1` highest
 * scores and the chosen unit, in index order.
 */
export function visibleUnits(zs, chosen, max = 16) {
  const all = Array.from(zs, (_, j) => j)
  if (all.length <= max) return all
  const top = all.sort((a, b) => zs[b] - zs[a] || a - b).slice(0, max - 1)
  if (!top.includes(chosen)) top.push(chosen)
  else top.push(all.find((j) => !top.includes(j)))
  return top.sort((a, b) => a - b)
}
