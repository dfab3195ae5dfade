/** Layer helpers for the Explore overview: shapes, plain-language descriptions. */

/**
 * How to draw an activation array: channels-last maps or a 1-row strip.
 * Drops a leading batch dimension of 1 ([1,H,W,C] → [H,W,C], [1,N] → [N]).
 * @param {number[]} shape
 * @returns {{kind: 'maps', h: number, w: number, c: number} | {kind: 'vector', n: number}}
 */
export function mapLayout(shape) {
  let s = [...shape]
  if ((s.length === 4 || s.length === 2) && s[0] === 1) s = s.slice(1)
  if (s.length === 3) return { kind: 'maps', h: s[0], w: s[1], c: s[2] }
  if (s.length === 2) return { kind: 'maps', h: s[0], w: s[1], c: 1 }
  return { kind: 'vector', n: s.reduce((a, b) => a * b, 1) }
}

/** Extract channel c of a channels-last H×W×C array as a row-major H×W Float32Array. */
export function channel(data, { h, w, c }, k) {
  const out = new Float32Array(h * w)
  for (let i = 0; i < h * w; i++) out[i] = data[i * c + k]
  return out
}

/** [null, 26, 26, 10] → "26 × 26 × 10" */
export function formatShape(shape) {
  if (!Array.isArray(shape)) return '–'
  const dims = shape.filter((d) => d !== null && d !== undefined && d !== -1)
  return dims.length ? dims.join(' × ') : '–'
}

const DESCRIPTIONS = [
  [/input/i, 'The image as the network receives it, after its own resizing and scaling.'],
  [/conv/i, 'Each map shows where one filter found its pattern: blue where it matched, red where the opposite appeared.'],
  [/relu|activation/i, 'Keeps the positive values and turns negatives into zero, so only found patterns pass on.'],
  [/global.*pool/i, 'Sums each map up into one number: how strongly its pattern appeared anywhere.'],
  [/max.?pool/i, 'Shrinks each map by keeping only the strongest value in each small window.'],
  [/pool/i, 'Shrinks each map by averaging small windows.'],
  [/batch.?norm/i, 'Rescales each channel to a steady range so the next layer learns more easily.'],
  [/dropout/i, 'Only active during training (it randomly silences units); at prediction time it passes values through.'],
  [/flatten|reshape/i, 'Lays all maps out in one long row so the next layer can read every value.'],
  [/dense|linear/i, 'Every unit weighs all values of the layer before; the last one gives one score per class.'],
  [/softmax/i, 'Turns the scores into probabilities that add up to 100%.'],
]

/** One plain sentence about what a layer type does. */
export function describeLayer(type) {
  const hit = DESCRIPTIONS.find(([re]) => re.test(type || ''))
  return hit ? hit[1] : 'Transforms the values of the layer before.'
}
