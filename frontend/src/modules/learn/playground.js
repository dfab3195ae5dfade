/** Pure helpers of the convolution playground: starting grids, presets and the written-out text. */

/**
 * The starting input: small integers 0..3, the same every time: a bright block (3) in the middle of
 * a dark background with a little texture (0 and 1), so that edges and blurs have something to show.
 */
export function defaultInput(n) {
  const lo = Math.max(1, Math.floor(n / 4))
  const hi = n - lo
  return Array.from({ length: n }, (_, r) =>
    Array.from({ length: n }, (_, c) =>
      r >= lo && r < hi && c >= lo && c < hi ? 3 : (r * 5 + c * 3) % 7 === 0 ? 1 : 0,
    ),
  )
}

/** An n×n grid of random integers in [min, max]; `rand` returns [0, 1) (Math.random by default). */
export function randomGrid(n, min = 0, max = 5, rand = Math.random) {
  return Array.from({ length: n }, () => Array.from({ length: n }, () => min + Math.floor(rand() * (max - min + 1))))
}

/** Keep the top-left part of a grid and fill new cells from `fill(r, c)`. */
export function resizeGrid(grid, n, fill = () => 0) {
  return Array.from({ length: n }, (_, r) =>
    Array.from({ length: n }, (_, c) => (grid[r] && grid[r][c] !== undefined ? grid[r][c] : fill(r, c))),
  )
}

export const PRESETS = [
  { id: 'edge', label: 'edge (vertical)' },
  { id: 'blur', label: 'blur' },
  { id: 'sharpen', label: 'sharpen' },
  { id: 'identity', label: 'identity' },
]

/**
 * A k×k preset kernel. edge: +1 left of the middle column, −1 right of it; blur: all ones (a box
 * blur that adds instead of averaging); sharpen: −1 everywhere and k² in the middle (sums to 1);
 * identity: 1 in the middle. For even k, "the middle" is the cell just below-right of the centre.
 */
export function presetKernel(id, k) {
  const mid = Math.floor(k / 2)
  const centre = (k - 1) / 2
  return Array.from({ length: k }, (_, r) =>
    Array.from({ length: k }, (_, c) => {
      if (id === 'edge') return c < centre ? 1 : c > centre ? -1 : 0
      if (id === 'blur') return 1
      if (id === 'sharpen') return r === mid && c === mid ? k * k : -1
      return r === mid && c === mid ? 1 : 0
    }),
  )
}

/** A number as the playground writes it: integers plain, others with at most 2 decimals. */
export function fmt(v) {
  if (!Number.isFinite(v)) return '–'
  const r = Math.round(v * 100) / 100
  return Object.is(r, -0) ? '0' : String(r)
}

/** "1×0 + 2×(-1) + … = 7" for one output cell of conv2d. */
export function arithmeticText(cell) {
  const term = (t) => `${fmt(t.x)}×${t.w < 0 ? `(${fmt(t.w)})` : fmt(t.w)}`
  return `${cell.terms.map(term).join(' + ')} = ${fmt(cell.value)}`
}

/**
 * The output-size formula with the numbers filled in:
 * "(5 + 2×1 − 3) / 2 + 1 = 3", or with the rounding down written out when the division is inexact.
 */
export function formulaText(n, k, s, p) {
  const inner = n + 2 * p - k
  const head = `(${n} + 2×${p} − ${k}) / ${s}`
  if (inner < 0) return `${head} + 1 < 1: the kernel does not fit`
  const out = Math.floor(inner / s) + 1
  if (inner % s === 0) return `${head} + 1 = ${out}`
  return `⌊${head}⌋ + 1 = ⌊${fmt(inner / s)}⌋ + 1 = ${out}`
}

/** How many rows (= columns) at the far edge of the padded input no window ever reaches. */
export function unusedEdge(n, k, s, p) {
  const inner = n + 2 * p - k
  return inner < 0 ? 0 : inner % s
}
