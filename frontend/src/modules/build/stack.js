/**
 * The Build & train page's pure logic: a layer stack edited in place (add, move, remove), each
 * layer's settings in words, the check's problems by layer, and the live curves' geometry.
 */

let nextKey = 1

/** A new layer of `type` with the defaults the server offers (options.layer_types). */
export function newLayer(type, layerTypes) {
  const layer = { key: nextKey++, type }
  for (const [name, spec] of Object.entries(layerTypes?.[type] || {})) layer[name] = spec.default
  return layer
}

/** The stack as the API takes it: no page-only keys. */
export function recipeOf(stack) {
  return stack.map(({ key: _key, ...layer }) => layer)
}

/** A copy of `stack` with the layer at `index` moved by `step` (−1 up, +1 down), if it can. */
export function moveLayer(stack, index, step) {
  const to = index + step
  if (index < 0 || index >= stack.length || to < 0 || to >= stack.length) return stack
  const out = stack.slice()
  const [layer] = out.splice(index, 1)
  out.splice(to, 0, layer)
  return out
}

export function removeLayer(stack, index) {
  return stack.filter((_, i) => i !== index)
}

/** Ready-made stacks to start from. */
export const PRESETS = {
  'tiny-vgg': {
    label: 'Tiny VGG',
    layers: [
      { type: 'conv', filters: 16, kernel: 3, stride: 1, padding: 'same', activation: 'relu' },
      { type: 'conv', filters: 16, kernel: 3, stride: 1, padding: 'same', activation: 'relu' },
      { type: 'max_pool', pool: 2, stride: 0, padding: 'valid' },
      { type: 'conv', filters: 32, kernel: 3, stride: 1, padding: 'same', activation: 'relu' },
      { type: 'conv', filters: 32, kernel: 3, stride: 1, padding: 'same', activation: 'relu' },
      { type: 'max_pool', pool: 2, stride: 0, padding: 'valid' },
      { type: 'flatten' },
    ],
  },
  small: {
    label: 'One convolution',
    layers: [
      { type: 'conv', filters: 8, kernel: 3, stride: 1, padding: 'same', activation: 'relu' },
      { type: 'max_pool', pool: 2, stride: 0, padding: 'valid' },
      { type: 'flatten' },
    ],
  },
  dense: {
    label: 'No convolution (dense only)',
    layers: [{ type: 'flatten' }, { type: 'dense', units: 64, activation: 'relu' }],
  },
}

/** A preset as page layers (fresh keys, defaults for anything it leaves out). */
export function presetStack(name, layerTypes) {
  return (PRESETS[name]?.layers || []).map((layer) => ({ ...newLayer(layer.type, layerTypes), ...layer }))
}

/** [28, 28, 16] → "28×28×16"; [1568] → "1,568". */
export function shapeText(shape) {
  if (!shape?.length) return '—'
  if (shape.length === 1) return shape[0].toLocaleString('en')
  return shape.join('×')
}

/** Problems keyed by 1-based layer position; `null` holds those about the whole stack. */
export function problemsByLayer(problems) {
  const out = new Map()
  for (const p of problems || []) {
    const key = p.layer ?? null
    if (!out.has(key)) out.set(key, [])
    out.get(key).push(p.message)
  }
  return out
}

/** 75 → "1 min 15 s", 12.3 → "12 s", 900 → "15 min", 0 → "0 s". */
export function durationText(seconds) {
  if (seconds === null || seconds === undefined || !Number.isFinite(seconds)) return '—'
  if (seconds < 0.5) return '0 s'
  const s = Math.round(seconds)
  if (s < 60) return `${s} s`
  const m = Math.floor(s / 60)
  const rest = s - m * 60
  return rest ? `${m} min ${rest} s` : `${m} min`
}

/**
 * The live curves: training loss / accuracy through every point so far (the points within
 * epochs and each epoch's end, in order) and the test accuracy / loss at each epoch's end.
 * x runs from 0 to the run's epochs.
 */
export function curveSeries(history, key) {
  const points = (history || []).filter((p) => typeof p[key] === 'number').sort((a, b) => a.epoch - b.epoch)
  const train = points.map((p) => ({ x: p.epoch, y: p[key], kind: p.kind }))
  const testKey = `test_${key}`
  const test = points
    .filter((p) => p.kind === 'epoch' && typeof p[testKey] === 'number')
    .map((p) => ({ x: p.epoch, y: p[testKey] }))
  return { train, test }
}

/** Scales for a curve chart: x over [0, epochs], y over the values with a margin (or [0, 1]). */
export function chartScales(series, { epochs, width, height, pad, unit = false }) {
  const ys = [...series.train, ...series.test].map((p) => p.y)
  let lo = unit ? 0 : Math.min(...ys, Infinity)
  let hi = unit ? 1 : Math.max(...ys, -Infinity)
  if (!Number.isFinite(lo) || !Number.isFinite(hi)) {
    lo = 0
    hi = 1
  }
  if (hi - lo < 1e-6) {
    lo -= 0.05
    hi += 0.05
  }
  if (!unit) {
    const margin = (hi - lo) * 0.08
    lo = Math.max(0, lo - margin)
    hi += margin
  }
  const x = (v) => pad.l + (v / Math.max(epochs, 1)) * (width - pad.l - pad.r)
  const y = (v) => pad.t + (1 - (v - lo) / (hi - lo)) * (height - pad.t - pad.b)
  return { x, y, lo, hi }
}

/** SVG polyline points of a series. */
export function polyline(points, scales) {
  return points.map((p) => `${scales.x(p.x).toFixed(1)},${scales.y(p.y).toFixed(1)}`).join(' ')
}
