/**
 * The neighbourhood view's pure parts: its settings and their limits, the link that opens it,
 * brushing the parallel-coordinates axes, choosing the 20 neighbours the grid shows, the path's
 * captions and the sentences the page says. No Vue, no requests: tested on their own.
 */

export { hasVae, neighbourhoodLocation, VAE_DATASETS } from '@/lib/neighbourhood-links'

/** The API's limits and defaults (backend/neighbourhoods/services.py). */
export const LIMITS = {
  neighbours: { min: 20, max: 1000, step: 10 },
  radius: { min: 0.05, max: 5, step: 0.05 },
  regularisation: { min: 1e-4, max: 1e4, step: 'any' },
}
export const DEFAULTS = { neighbours: 200, radius: 1, regularisation: 1 }
/** How many neighbours the grid shows. */
export const GRID_SIZE = 20

/** A setting read from the URL (or a box): a number within its limits, else its default. */
export function parseSetting(name, raw) {
  const v = typeof raw === 'number' ? raw : raw === undefined || raw === null || raw === '' ? NaN : Number(raw)
  const { min, max } = LIMITS[name]
  if (!Number.isFinite(v) || v < min || v > max) return DEFAULTS[name]
  return name === 'neighbours' ? Math.round(v) : v
}

/** Whether a value typed into a box is within the setting's limits. */
export function settingValid(name, v) {
  const { min, max } = LIMITS[name]
  return (
    typeof v === 'number' &&
    Number.isFinite(v) &&
    v >= min &&
    v <= max &&
    (name !== 'neighbours' || Number.isInteger(v))
  )
}

/**
 * Each latent axis's range: the neighbours' codes and the picture's own, widened by 5% so no
 * line runs along the frame. @returns {[number, number][]}
 */
export function axisExtents(codes, own = null) {
  const dims = (own || codes[0] || []).length
  const out = []
  for (let d = 0; d < dims; d++) {
    let lo = Infinity
    let hi = -Infinity
    for (const c of codes) {
      if (c[d] < lo) lo = c[d]
      if (c[d] > hi) hi = c[d]
    }
    if (own) {
      lo = Math.min(lo, own[d])
      hi = Math.max(hi, own[d])
    }
    if (!(hi > lo)) {
      lo -= 1
      hi += 1
    }
    const pad = (hi - lo) * 0.05
    out.push([lo - pad, hi + pad])
  }
  return out
}

/** A brush is [low, high] in data units, or null (the axis is not brushed). */
export function normalBrush(a, b) {
  return a <= b ? [a, b] : [b, a]
}

/** Whether a code lies inside every axis's brush. */
export function insideBrushes(code, brushes) {
  for (let d = 0; d < brushes.length; d++) {
    const b = brushes[d]
    if (b && !(code[d] >= b[0] && code[d] <= b[1])) return false
  }
  return true
}

/** The indices of the neighbours inside every brush, in code order. */
export function brushedIndices(codes, brushes) {
  const out = []
  for (let i = 0; i < codes.length; i++) if (insideBrushes(codes[i], brushes)) out.push(i)
  return out
}

/** Indices sorted along the true → predicted direction (position; ties by index). */
export function orderByPosition(indices, position) {
  return [...indices].sort((a, b) => position[a] - position[b] || a - b)
}

/** k of the sorted items, evenly spread from the first to the last (all of them when ≤ k). */
export function evenlySpread(sorted, k = GRID_SIZE) {
  const n = sorted.length
  if (n <= k) return [...sorted]
  if (k <= 1) return k === 1 ? [sorted[0]] : []
  const out = []
  for (let i = 0; i < k; i++) out.push(sorted[Math.round((i * (n - 1)) / (k - 1))])
  return out
}

/**
 * What the grid shows: up to k neighbours inside the brushes, evenly spread along the path and in
 * its order, and how many were inside. @returns {{shown: number[], total: number}}
 */
export function gridSelection(neighbours, brushes, k = GRID_SIZE) {
  const inside = brushedIndices(neighbours.codes, brushes)
  return { shown: evenlySpread(orderByPosition(inside, neighbours.position), k), total: inside.length }
}

/** The pictures along the path, each with its caption and the network's answer. */
export function pathStops(summary) {
  const { path, classes, true_label: t, predicted: p } = summary
  const last = path.labels.length - 1
  return path.labels.map((label, i) => {
    let caption = ''
    let end = true
    if (i === path.image_index) caption = 'this picture'
    else if (i === 0) caption = `mean ${classes[t]}`
    else if (i === last && p !== t) caption = `mean ${classes[p]}`
    else end = false
    return { i, caption, end, label, name: classes[label], confidence: path.confidence[i] }
  })
}

/** The largest |value| of one or more H×W images (rows of numbers, or null): a symmetric scale's limit. */
export function maxAbs(...images) {
  let m = 0
  for (const img of images) {
    if (!img) continue
    for (const row of img) for (const v of row) if (Math.abs(v) > m) m = Math.abs(v)
  }
  return m
}

/** An H×W image (rows) as one flat Float32Array, row-major. */
export function flat(image) {
  if (!image) return null
  const h = image.length
  const w = image[0]?.length || 0
  const out = new Float32Array(h * w)
  for (let y = 0; y < h; y++) out.set(image[y], y * w)
  return out
}

/** Picture i of an N×H×W×C parsed .npy (a view, no copy). */
export function pictureAt(npy, i) {
  const [, h, w, c] = npy.shape
  const size = h * w * c
  return npy.data.subarray(i * size, (i + 1) * size)
}

/** The picture's probabilities as PredictionChart's rows, most probable first. */
export function predictionRows(summary) {
  return summary.probabilities
    .map((probability, index) => ({ index, label: summary.classes[index], probability }))
    .sort((a, b) => b.probability - a.probability)
}

/** The classes in the legend: those some neighbour got, most frequent first, with their counts. */
export function legendClasses(summary) {
  return summary.neighbours.counts
    .map((count, index) => ({ index, name: summary.classes[index], count }))
    .filter((c) => c.count > 0)
    .sort((a, b) => b.count - a.count || a.index - b.index)
}

/** What the push image means, in words. */
export function pushSentence(summary) {
  const { classes, true_label: t, predicted: p } = summary
  if (t === p) return `The network is right about this picture (${classes[p]}): there is no wrong answer to explain.`
  return `Teal pixels pushed the network towards ${classes[p]} rather than ${classes[t]} here; brown pixels towards ${classes[t]}.`
}

/** How well the student copies the network, in words (null when it could not be measured). */
export function fidelitySentence(student) {
  if (student.fidelity === null || student.fidelity === undefined) return null
  const pct = Math.round(student.fidelity * 100)
  return `The student agrees with the network on ${pct}% of the ${student.held_out} neighbours it did not see.`
}
