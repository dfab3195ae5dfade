import { describe, expect, it } from 'vitest'
import { activationColor, kernelColor, rgbCss } from '@/config/color-scales'
import { mapOrigin, stripY } from './flatten-view'
import {
  FIGURE,
  drawFlattenBase,
  drawFlattenOverlay,
  flattenLayout,
  nodeY,
  prepareCanvas,
  weightStroke,
} from './flatten-canvas'

/** A 2D context that records what is painted: fills with their colour, strokes, arcs, curve ends. */
function fakeContext() {
  const calls = []
  const ctx = {
    calls,
    fillStyle: '',
    strokeStyle: '',
    lineWidth: 1,
    setTransform: (...a) => calls.push(['setTransform', ...a]),
    clearRect: (...a) => calls.push(['clearRect', ...a]),
    fillRect: (...a) => calls.push(['fillRect', ctx.fillStyle, ...a]),
    strokeRect: (...a) => calls.push(['strokeRect', ctx.strokeStyle, ...a]),
    fillText: (...a) => calls.push(['fillText', ...a]),
    beginPath: () => {},
    moveTo: (...a) => calls.push(['moveTo', ...a]),
    lineTo: (...a) => calls.push(['lineTo', ...a]),
    bezierCurveTo: (...a) => calls.push(['bezierCurveTo', ctx.strokeStyle, ...a]),
    arc: (...a) => calls.push(['arc', ...a]),
    fill: () => calls.push(['fill', ctx.fillStyle]),
    stroke: () => calls.push(['stroke', ctx.strokeStyle]),
  }
  return ctx
}
const rgb = ([r, g, b]) => `rgb(${r},${g},${b})`
const of = (ctx, name) => ctx.calls.filter((c) => c[0] === name)

// a 2×2×2 block: channel 0 = [[1, −1], [0, 0.5]], channel 1 all zero; channels-last order
const MODEL = { shape: [2, 2, 2], n: 8, block: Float32Array.from([1, 0, -1, 0, 0, 0, 0.5, 0]), xmax: 1 }
const PART = { order: [0, 2, 6, 1], weights: Float32Array.from([2, 0, -2, 0, 0, 0, 0.01, 0]), wmax: 2 }

describe('flattenLayout', () => {
  it('puts the maps, then the list, then the unit nodes, left to right inside the figure', () => {
    const L = flattenLayout(MODEL, 3, 800)
    expect(L.compact).toBe(false)
    expect(L.stripX).toBeGreaterThan(FIGURE.mapsX + L.grid.width)
    expect(L.nodeX).toBeGreaterThan(L.stripX + FIGURE.stripW)
    expect(L.width).toBe(L.nodeX + L.nodeW)
    expect(L.stripTop).toBeGreaterThanOrEqual(FIGURE.pad)
    expect(L.stripTop + L.stripH).toBeLessThanOrEqual(L.height - FIGURE.pad)
  })

  it('gives every node its own slot: nodes are spread evenly along the list', () => {
    const L = flattenLayout(MODEL, 4, 800)
    expect(nodeY(L, 0)).toBeCloseTo(L.stripTop + L.stripH / 8)
    expect(nodeY(L, 3) - nodeY(L, 2)).toBeCloseTo(L.stripH / 4)
    // many nodes make the list taller rather than squeezing them
    expect(flattenLayout(MODEL, 30, 800).stripH).toBe(30 * FIGURE.nodeMinH)
  })

  it('switches to the narrow (phone) layout under 560 px', () => {
    expect(flattenLayout(MODEL, 3, 400).compact).toBe(true)
    expect(flattenLayout(MODEL, 3, 400).nodeW).toBeLessThan(flattenLayout(MODEL, 3, 800).nodeW)
  })
})

describe('prepareCanvas', () => {
  it('sizes the canvas in device pixels and draws in CSS pixels', () => {
    const ctx = fakeContext()
    const canvas = { width: 0, height: 0, getContext: () => ctx }
    const L = { width: 100.4, height: 50 }
    expect(prepareCanvas(canvas, L, 2)).toBe(ctx)
    expect([canvas.width, canvas.height]).toEqual([201, 100])
    expect(of(ctx, 'setTransform')[0]).toEqual(['setTransform', 2, 0, 0, 2, 0, 0])
    expect(of(ctx, 'clearRect')[0]).toEqual(['clearRect', 0, 0, 100.4, 50])
  })
})

describe('weightStroke', () => {
  it('uses the kernel scale for the sign and fades small weights, dropping the faintest', () => {
    const [r, g, b] = kernelColor(-2, 2)
    expect(weightStroke(-2, 2)).toBe(`rgba(${r},${g},${b},0.680)`)
    expect(weightStroke(0.01, 2)).toBe(null)
  })
})

describe('drawFlattenBase', () => {
  const layout = flattenLayout(MODEL, 2, 800)
  const figure = { layout, model: MODEL, part: PART, stripValues: MODEL.block, shown: [0, 1], chosen: 1 }

  it('paints each map cell with the activation colour of its value, at its place in the grid', () => {
    const ctx = fakeContext()
    drawFlattenBase(ctx, figure)
    const { cell } = layout.grid
    const o = mapOrigin(layout.grid, 0)
    // channel 0, row 0, col 1 holds −1: red, one cell right of the map's corner
    const x = FIGURE.mapsX + o.x + cell
    const y = layout.mapsTop + o.y
    const hit = of(ctx, 'fillRect').find((c) => c[2] === x && c[3] === y)
    expect(hit[1]).toBe(rgb(activationColor(-1, 1)))
    // one fill per map cell plus one per list row, and a caption per channel
    expect(of(ctx, 'fillRect').length).toBe(8 + layout.rows.rows)
    expect(of(ctx, 'fillText').map((c) => c[1])).toEqual(['0', '1'])
  })

  it('draws a line from each weighty value to the chosen node, and the nodes with the chosen one larger', () => {
    const ctx = fakeContext()
    drawFlattenBase(ctx, figure)
    const curves = of(ctx, 'bezierCurveTo')
    expect(curves.length).toBe(2) // values 0 and 2; value 6's weight is too faint, value 1's zero
    const end = curves[0].slice(-2)
    expect(end).toEqual([layout.nodeX, nodeY(layout, 1)])
    const start = of(ctx, 'moveTo').find((c) => c[2] === layout.stripTop + stripY(2, MODEL.n, layout.stripH))
    expect(start).toBeTruthy()
    expect(of(ctx, 'arc').map((c) => c[3])).toEqual([3.5, 5])
  })
})

describe('drawFlattenOverlay', () => {
  const layout = flattenLayout(MODEL, 2, 800)
  const figure = { layout, model: MODEL, part: PART, shown: [0, 1], chosen: 0 }

  it('draws nothing without a focused channel', () => {
    const ctx = fakeContext()
    drawFlattenOverlay(ctx, { ...figure, channel: null, cursor: null })
    expect(ctx.calls).toEqual([])
  })

  it("links each of the channel's cells to its row in the list", () => {
    const ctx = fakeContext()
    drawFlattenOverlay(ctx, { ...figure, channel: 1, cursor: null })
    const ends = of(ctx, 'lineTo').map((c) => c[2])
    const rows = [1, 3, 5, 7].map((i) => layout.stripTop + stripY(i, MODEL.n, layout.stripH))
    expect(ends).toEqual(rows)
  })

  it('traces the value under the cursor to the chosen unit in its weight colour', () => {
    const ctx = fakeContext()
    drawFlattenOverlay(ctx, { ...figure, channel: 0, cursor: 2 })
    const curves = of(ctx, 'bezierCurveTo')
    expect(curves.length).toBe(2) // a dark casing, then the weight's colour
    expect(curves[1][1]).toBe(rgbCss(kernelColor(-2, 2)))
    expect(curves[1].slice(-2)).toEqual([layout.nodeX, nodeY(layout, 0)])
  })
})
