/**
 * Pure geometry of the embedding scatter: the data → screen transform (fit, zoom at a point, pan),
 * a uniform spatial grid index for nearest-point hover, and box selection.
 *
 * A transform is {k, x, y}: screen = data * k + (x, y) on both axes (same scale, no distortion),
 * with the screen's y pointing down and the data's y pointing up (sy = −dy·k + y).
 */

/** Data bounds of interleaved x, y coordinates (Float32Array of length 2N). */
export function bounds(coords) {
  let x0 = Infinity,
    y0 = Infinity,
    x1 = -Infinity,
    y1 = -Infinity
  for (let i = 0; i < coords.length; i += 2) {
    const x = coords[i],
      y = coords[i + 1]
    if (!Number.isFinite(x) || !Number.isFinite(y)) continue
    if (x < x0) x0 = x
    if (x > x1) x1 = x
    if (y < y0) y0 = y
    if (y > y1) y1 = y
  }
  if (x0 === Infinity) return { x0: 0, y0: 0, x1: 1, y1: 1 }
  return { x0, y0, x1, y1 }
}

/** The transform that fits the bounds into width × height with `pad` px on every side, centred. */
export function fitTransform(b, width, height, pad = 12) {
  const w = Math.max(b.x1 - b.x0, 1e-9)
  const h = Math.max(b.y1 - b.y0, 1e-9)
  const k = Math.min((width - 2 * pad) / w, (height - 2 * pad) / h)
  const cx = (b.x0 + b.x1) / 2
  const cy = (b.y0 + b.y1) / 2
  return { k, x: width / 2 - cx * k, y: height / 2 + cy * k }
}

export const toScreen = (t, dx, dy) => [dx * t.k + t.x, -dy * t.k + t.y]
export const toData = (t, sx, sy) => [(sx - t.x) / t.k, -(sy - t.y) / t.k]

/**
 * Zoom by `factor` keeping the screen point (px, py) fixed; the total zoom relative to `baseK`
 * stays within [min, max].
 */
export function zoomAt(t, factor, px, py, { baseK = t.k, min = 0, max = Infinity } = {}) {
  const k = Math.min(Math.max(t.k * factor, baseK * min), baseK * max)
  const f = k / t.k
  return { k, x: px - (px - t.x) * f, y: py - (py - t.y) * f }
}

export const panBy = (t, dx, dy) => ({ k: t.k, x: t.x + dx, y: t.y + dy })

/**
 * A uniform grid over the data bounds: cell → the point ids in it. `cell` is the cell size in
 * data units. Built once per embedding; queries work at any zoom.
 */
export function buildGridIndex(coords, b, cell) {
  const size = cell > 0 ? cell : 1
  const cols = Math.max(1, Math.floor((b.x1 - b.x0) / size) + 1)
  const rows = Math.max(1, Math.floor((b.y1 - b.y0) / size) + 1)
  const n = coords.length / 2
  const counts = new Uint32Array(cols * rows + 1)
  const cellOf = new Int32Array(n)
  for (let i = 0; i < n; i++) {
    const x = coords[2 * i],
      y = coords[2 * i + 1]
    if (!Number.isFinite(x) || !Number.isFinite(y)) {
      cellOf[i] = -1
      continue
    }
    const c = Math.min(cols - 1, Math.floor((x - b.x0) / size))
    const r = Math.min(rows - 1, Math.floor((y - b.y0) / size))
    cellOf[i] = r * cols + c
    counts[cellOf[i] + 1]++
  }
  for (let i = 1; i < counts.length; i++) counts[i] += counts[i - 1] // prefix sums: start of each cell
  const ids = new Uint32Array(n)
  const fill = counts.slice(0, cols * rows)
  for (let i = 0; i < n; i++) if (cellOf[i] >= 0) ids[fill[cellOf[i]]++] = i
  return { x0: b.x0, y0: b.y0, cell: size, cols, rows, starts: counts, ids, coords }
}

/**
 * The nearest point to (dx, dy) within `radius` (data units), or -1. `accept(i)` may hide points
 * (e.g. classes switched off).
 */
export function nearestPoint(index, dx, dy, radius, accept = null) {
  const { x0, y0, cell, cols, rows, starts, ids, coords } = index
  const c0 = Math.max(0, Math.floor((dx - radius - x0) / cell))
  const c1 = Math.min(cols - 1, Math.floor((dx + radius - x0) / cell))
  const r0 = Math.max(0, Math.floor((dy - radius - y0) / cell))
  const r1 = Math.min(rows - 1, Math.floor((dy + radius - y0) / cell))
  let best = -1
  let bestD = radius * radius
  for (let r = r0; r <= r1; r++) {
    for (let c = c0; c <= c1; c++) {
      const cellId = r * cols + c
      for (let p = starts[cellId]; p < starts[cellId + 1]; p++) {
        const i = ids[p]
        if (accept && !accept(i)) continue
        const ex = coords[2 * i] - dx,
          ey = coords[2 * i + 1] - dy
        const d = ex * ex + ey * ey
        if (d <= bestD) {
          bestD = d
          best = i
        }
      }
    }
  }
  return best
}

/** A rectangle from two corners, in any order → {x0, y0, x1, y1} with x0 ≤ x1, y0 ≤ y1. */
export function normalizeRect(ax, ay, bx, by) {
  return { x0: Math.min(ax, bx), y0: Math.min(ay, by), x1: Math.max(ax, bx), y1: Math.max(ay, by) }
}

/** The screen rectangle (two corners) → the same rectangle in data units. */
export function screenRectToData(t, ax, ay, bx, by) {
  const [dx0, dy0] = toData(t, ax, ay)
  const [dx1, dy1] = toData(t, bx, by)
  return normalizeRect(dx0, dy0, dx1, dy1)
}

/** Ids of the points inside a data rectangle (edges included), in id order. */
export function pointsInBox(coords, rect, accept = null) {
  const out = []
  for (let i = 0; i < coords.length / 2; i++) {
    const x = coords[2 * i],
      y = coords[2 * i + 1]
    if (x >= rect.x0 && x <= rect.x1 && y >= rect.y0 && y <= rect.y1 && (!accept || accept(i))) out.push(i)
  }
  return out
}

/**
 * The embedding's point table (N×3 int: dataset index, true class, predicted class) as columns.
 */
export function pointColumns(points) {
  const n = points.shape?.[0] ?? points.data.length / 3
  const index = new Int32Array(n),
    truth = new Int32Array(n),
    pred = new Int32Array(n)
  for (let i = 0; i < n; i++) {
    index[i] = points.data[3 * i]
    truth[i] = points.data[3 * i + 1]
    pred[i] = points.data[3 * i + 2]
  }
  return { n, index, truth, pred }
}

/** A data rectangle as a short URL string (4 significant digits) and back. */
export function rectToParam(r) {
  return [r.x0, r.y0, r.x1, r.y1].map((v) => Number(v.toPrecision(4))).join(',')
}
export function rectFromParam(s) {
  if (typeof s !== 'string') return null
  const v = s.split(',').map(Number)
  if (v.length !== 4 || v.some((x) => !Number.isFinite(x))) return null
  return normalizeRect(v[0], v[1], v[2], v[3])
}
