/**
 * The flatten view's figure, as plain functions of its numbers: where everything goes (the
 * channel maps, the unrolled list, the unit nodes) and how it is painted on two canvases — a
 * base (maps, list, weight lines, nodes) redrawn when the numbers change, and an overlay (the
 * focused channel and value) redrawn on every pointer move. No Vue here, so it is tested with
 * a fake 2D context.
 */
import { ACCENT, colorLut, kernelColor, lutIndex, rgbCss } from '@/config/color-scales'
import { hwcIndex, unflatten } from '@/lib/layer-math'
import { mapGrid, mapOrigin, stripRows, stripY } from '@/lib/flatten-view'

/** Figure geometry, CSS px. */
export const FIGURE = {
  stripW: 16,
  pad: 8,
  header: 34, // the column captions above the canvases
  gap: 5,
  caption: 11,
  nodeMinH: 26,
  mapsX: 4, // room for the outline of a picked map on the left edge
}
const MUTED = '#6c757d'
const BORDER = '#e3e6ea'
const STRIP_OUTLINE = '#adb5bd'
const MONO_9PX = '9px ui-monospace, SFMono-Regular, Menlo, Consolas, monospace'

/**
 * Where everything goes for a block of `shape` (h, w, c) holding `n` values, with `nodeCount`
 * unit nodes, in a figure `width` px wide (narrow: the phone layout).
 */
export function flattenLayout({ shape, n }, nodeCount, width) {
  const { stripW, pad, gap, caption, nodeMinH, mapsX } = FIGURE
  const compact = width < 560
  const stripH = Math.max(Math.min(Math.max(n * 4, 240), compact ? 440 : 520), nodeCount * nodeMinH)
  const mapsBudget = compact ? 118 : Math.max(140, Math.min(250, width * 0.31))
  const grid = mapGrid(shape, { maxWidth: mapsBudget, maxHeight: stripH, gap, caption })
  const body = Math.max(stripH, grid.height)
  const fan = compact ? 30 : 60
  const nodeW = compact ? 116 : 156
  const stripX = mapsX + grid.width + fan
  const lines = Math.max(compact ? 70 : 110, Math.min(280, width - stripX - stripW - nodeW))
  const nodeX = stripX + stripW + lines
  const stripTop = pad + (body - stripH) / 2
  const nodeStep = stripH / nodeCount
  return {
    compact, grid, stripH, stripTop, stripX, nodeX, nodeW, nodeStep,
    mapsTop: pad + (body - grid.height) / 2,
    width: nodeX + nodeW,
    height: body + 2 * pad,
    rows: stripRows(n, stripH),
    nodeH: Math.min(44, nodeStep - 4),
  } // prettier-ignore
}

/** The vertical centre of the k-th unit node. */
export function nodeY(layout, k) {
  return layout.stripTop + (k + 0.5) * layout.nodeStep
}

/** Size a canvas for the layout at the screen's pixel ratio; its cleared 2D context, in CSS px. */
export function prepareCanvas(canvas, layout, dpr = 1) {
  const w = Math.round(layout.width * dpr)
  const h = Math.round(layout.height * dpr)
  if (canvas.width !== w) canvas.width = w
  if (canvas.height !== h) canvas.height = h
  const ctx = canvas.getContext('2d')
  ctx.setTransform(dpr, 0, 0, dpr, 0, 0)
  ctx.clearRect(0, 0, layout.width, layout.height)
  return ctx
}

const lutCss = (lut, v, vmax) => {
  const j = lutIndex(v, vmax) * 3
  return `rgb(${lut[j]},${lut[j + 1]},${lut[j + 2]})`
}

/** A weight line's colour: the kernel scale for its sign, more opaque the larger |w|; null when too faint to draw. */
export function weightStroke(weight, wmax) {
  const a = Math.abs(weight) / wmax
  if (a < 0.02) return null
  const [r, g, b] = kernelColor(weight, wmax)
  return `rgba(${r},${g},${b},${(0.08 + 0.6 * a).toFixed(3)})`
}

function curveTo(ctx, x0, y0, x1, y1) {
  ctx.beginPath()
  ctx.moveTo(x0, y0)
  ctx.bezierCurveTo(x0 + (x1 - x0) * 0.5, y0, x1 - (x1 - x0) * 0.5, y1, x1, y1)
}

/**
 * The base picture: every channel's map, the unrolled list (one row per value or group),
 * one line per value to the chosen unit coloured by its weight, and the unit nodes.
 * @param {CanvasRenderingContext2D} ctx
 * @param {{layout: object, model: {shape: number[], n: number, block: ArrayLike<number>, xmax: number},
 *          part: {order: number[], weights: ArrayLike<number>, wmax: number},
 *          stripValues: ArrayLike<number>, shown: number[], chosen: number}} figure
 */
export function drawFlattenBase(ctx, { layout: L, model: m, part: p, stripValues, shown, chosen }) {
  const { stripW, mapsX } = FIGURE
  const [h, w, c] = m.shape
  const lut = colorLut('activation')
  const { grid } = L
  ctx.font = MONO_9PX
  ctx.textAlign = 'center'
  ctx.textBaseline = 'top'
  for (let k = 0; k < c; k++) {
    const o = mapOrigin(grid, k)
    const ox = mapsX + o.x
    const oy = L.mapsTop + o.y
    for (let r = 0; r < h; r++) {
      for (let col = 0; col < w; col++) {
        ctx.fillStyle = lutCss(lut, m.block[hwcIndex(m.shape, r, col, k)], m.xmax)
        ctx.fillRect(ox + col * grid.cell, oy + r * grid.cell, grid.cell, grid.cell)
      }
    }
    ctx.strokeStyle = BORDER
    ctx.lineWidth = 1
    ctx.strokeRect(ox - 0.5, oy - 0.5, grid.mapW + 1, grid.mapH + 1)
    ctx.fillStyle = MUTED
    ctx.fillText(String(k), ox + grid.mapW / 2, oy + grid.mapH + 1)
  }
  const { rows, rowHeight } = L.rows
  for (let r = 0; r < rows; r++) {
    ctx.fillStyle = lutCss(lut, stripValues[r], m.xmax)
    // a hair taller than the row, so rounding leaves no pale seams between rows
    ctx.fillRect(L.stripX, L.stripTop + r * rowHeight, stripW, rowHeight + 0.35)
  }
  ctx.strokeStyle = STRIP_OUTLINE
  ctx.strokeRect(L.stripX - 0.5, L.stripTop - 0.5, stripW + 1, L.stripH + 1)
  const x0 = L.stripX + stripW + 1
  const y1 = nodeY(L, Math.max(0, shown.indexOf(chosen)))
  ctx.lineWidth = 0.8
  for (const i of p.order) {
    const stroke = weightStroke(p.weights[i], p.wmax)
    if (!stroke) continue
    ctx.strokeStyle = stroke
    curveTo(ctx, x0, L.stripTop + stripY(i, m.n, L.stripH), L.nodeX, y1)
    ctx.stroke()
  }
  shown.forEach((j, k) => {
    ctx.beginPath()
    ctx.arc(L.nodeX, nodeY(L, k), j === chosen ? 5 : 3.5, 0, Math.PI * 2)
    ctx.fillStyle = j === chosen ? ACCENT : STRIP_OUTLINE
    ctx.fill()
  })
}

/**
 * The overlay: the focused channel's map outlined with lines from its cells to their places in
 * the list, and the value under the cursor traced from its cell to its row and on to the unit.
 * @param {CanvasRenderingContext2D} ctx
 * @param {{layout: object, model: object, part: object, channel: number|null, cursor: number|null,
 *          shown: number[], chosen: number}} figure
 */
export function drawFlattenOverlay(ctx, { layout: L, model: m, part: p, channel: k, cursor: i, shown, chosen }) {
  if (k === null || k === undefined) return
  const { stripW, mapsX } = FIGURE
  const { grid } = L
  const [h, w] = m.shape
  const o = mapOrigin(grid, k)
  const ox = o.x + mapsX
  const oy = L.mapsTop + o.y
  ctx.strokeStyle = ACCENT
  ctx.lineWidth = 2
  ctx.strokeRect(ox - 2, oy - 2, grid.mapW + 4, grid.mapH + 4)
  ctx.lineWidth = 0.7
  ctx.strokeStyle = 'rgba(91, 63, 209, 0.22)'
  ctx.fillStyle = 'rgba(91, 63, 209, 0.8)'
  for (let r = 0; r < h; r++) {
    for (let col = 0; col < w; col++) {
      const y = L.stripTop + stripY(hwcIndex(m.shape, r, col, k), m.n, L.stripH)
      ctx.beginPath()
      ctx.moveTo(ox + (col + 0.5) * grid.cell, oy + (r + 0.5) * grid.cell)
      ctx.lineTo(L.stripX - 1, y)
      ctx.stroke()
      ctx.fillRect(L.stripX - 5, y - 0.5, 4, 1)
    }
  }
  if (i === null || i === undefined || i >= m.n) return
  const at = unflatten(m.shape, i)
  const cx = ox + at.col * grid.cell
  const cy = oy + at.row * grid.cell
  const y = L.stripTop + stripY(i, m.n, L.stripH)
  // the cell → its place in the list
  ctx.lineWidth = 2
  ctx.strokeStyle = ACCENT
  ctx.beginPath()
  ctx.moveTo(cx + grid.cell / 2, cy + grid.cell / 2)
  ctx.lineTo(L.stripX - 1, y)
  ctx.stroke()
  ctx.strokeStyle = '#ffffff'
  ctx.lineWidth = 1
  ctx.strokeRect(cx - 0.5, cy - 0.5, grid.cell + 1, grid.cell + 1)
  ctx.strokeStyle = ACCENT
  ctx.lineWidth = 2
  ctx.strokeRect(cx - 2, cy - 2, grid.cell + 4, grid.cell + 4)
  const mark = Math.max(4, L.rows.rowHeight)
  ctx.strokeRect(L.stripX - 3, y - mark / 2, stripW + 6, mark)
  // … and its line to the chosen unit: a dark casing under its weight's colour, readable on any line
  const x0 = L.stripX + stripW + 3
  const y1 = nodeY(L, Math.max(0, shown.indexOf(chosen)))
  ctx.lineWidth = 4.5
  ctx.strokeStyle = 'rgba(31, 35, 40, 0.75)'
  curveTo(ctx, x0, y, L.nodeX, y1)
  ctx.stroke()
  ctx.lineWidth = 2.5
  ctx.strokeStyle = rgbCss(kernelColor(p.weights[i], p.wmax))
  curveTo(ctx, x0, y, L.nodeX, y1)
  ctx.stroke()
}
