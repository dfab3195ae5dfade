/**
 * SVG line charts for the trust checks, pure: linear scales and path strings.
 */

/** A linear scale from [d0, d1] to [r0, r1]; a zero-width domain maps to the middle. */
export function linearScale([d0, d1], [r0, r1]) {
  const span = d1 - d0
  return (v) => (span === 0 ? (r0 + r1) / 2 : r0 + ((v - d0) / span) * (r1 - r0))
}

/**
 * "M x y L x y …" through the points (x[i], y[i]) in a plot box; null / NaN y values break the
 * line (a new "M" after the gap). Coordinates are rounded to 0.1 px.
 * @param {number[]} xs
 * @param {(number|null)[]} ys
 * @param {{x: [number, number], y: [number, number]}} domain
 * @param {{left: number, right: number, top: number, bottom: number}} box plot area in SVG px
 */
export function linePath(xs, ys, domain, box) {
  const sx = linearScale(domain.x, [box.left, box.right])
  const sy = linearScale(domain.y, [box.bottom, box.top])
  const r = (v) => Math.round(v * 10) / 10
  const parts = []
  let pen = false
  for (let i = 0; i < xs.length; i++) {
    const y = ys[i]
    if (y === null || y === undefined || Number.isNaN(y)) {
      pen = false
      continue
    }
    parts.push(`${pen ? 'L' : 'M'}${r(sx(xs[i]))} ${r(sy(y))}`)
    pen = true
  }
  return parts.join(' ')
}

/** The closed area under a curve down to y = domain.y[0], for shading an AUC. */
export function areaPath(xs, ys, domain, box) {
  const line = linePath(xs, ys, domain, box)
  if (!line || line.includes(' M')) return ''
  const sx = linearScale(domain.x, [box.left, box.right])
  const r = (v) => Math.round(v * 10) / 10
  return `${line} L${r(sx(xs[xs.length - 1]))} ${box.bottom} L${r(sx(xs[0]))} ${box.bottom} Z`
}

/** Evenly spaced ticks from lo to hi (inclusive), `count` of them. */
export function ticks(lo, hi, count = 5) {
  if (count < 2) return [lo]
  return Array.from({ length: count }, (_, i) => lo + ((hi - lo) * i) / (count - 1))
}

/** The y-domain of a randomisation curve: −1..1 if any correlation is negative, else 0..1. */
export function correlationDomain(correlations, threshold) {
  const vals = [...correlations, threshold].filter((v) => typeof v === 'number' && !Number.isNaN(v))
  return vals.some((v) => v < 0) ? [-1, 1] : [0, 1]
}
