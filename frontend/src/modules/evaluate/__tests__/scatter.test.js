import { describe, expect, it } from 'vitest'
import {
  bounds,
  buildGridIndex,
  fitTransform,
  nearestPoint,
  normalizeRect,
  panBy,
  pointColumns,
  pointsInBox,
  rectFromParam,
  rectToParam,
  screenRectToData,
  toData,
  toScreen,
  zoomAt,
} from '../scatter'

const coords = new Float32Array([0, 0, 10, 0, 10, 5, 0, 5, 5, 2.5])

describe('scatter transform', () => {
  it('fits the bounds centred with padding and an undistorted scale', () => {
    const b = bounds(coords)
    expect(b).toEqual({ x0: 0, y0: 0, x1: 10, y1: 5 })
    const t = fitTransform(b, 220, 220, 10)
    expect(t.k).toBe(20)
    expect(toScreen(t, 0, 0)).toEqual([10, 160]) // bottom-left corner, y up
    expect(toScreen(t, 10, 5)).toEqual([210, 60])
    expect(toScreen(t, 5, 2.5)).toEqual([110, 110]) // centre
  })

  it('zooms around the pointer and pans; screen ↔ data round-trips', () => {
    const t = { k: 2, x: 10, y: 100 }
    const z = zoomAt(t, 2, 50, 60)
    const before = toData(t, 50, 60)
    const after = toData(z, 50, 60)
    expect(after[0]).toBeCloseTo(before[0])
    expect(after[1]).toBeCloseTo(before[1])
    expect(z.k).toBe(4)
    const p = panBy(z, 5, -5)
    expect(p).toEqual({ k: 4, x: z.x + 5, y: z.y - 5 })
    const [sx, sy] = toScreen(p, 3, 7)
    const [dx, dy] = toData(p, sx, sy)
    expect(dx).toBeCloseTo(3)
    expect(dy).toBeCloseTo(7)
  })

  it('clamps zoom relative to the fitted scale', () => {
    const t = { k: 1, x: 0, y: 0 }
    expect(zoomAt(t, 100, 0, 0, { baseK: 1, max: 10 }).k).toBe(10)
    expect(zoomAt(t, 0.01, 0, 0, { baseK: 1, min: 0.5 }).k).toBe(0.5)
  })
})

describe('grid index hit-testing', () => {
  it('finds the nearest point within the radius, or none', () => {
    const idx = buildGridIndex(coords, bounds(coords), 1)
    expect(nearestPoint(idx, 9.6, 0.2, 1)).toBe(1)
    expect(nearestPoint(idx, 5.2, 2.4, 1)).toBe(4)
    expect(nearestPoint(idx, 2.5, 2.5, 1)).toBe(-1)
    expect(nearestPoint(idx, 10.3, 5.3, 1)).toBe(2) // at the outer edge
    expect(nearestPoint(idx, 9.6, 0.2, 1, (i) => i !== 1)).toBe(-1)
  })

  it('agrees with a brute-force search on random points', () => {
    let seed = 7
    const rnd = () => (seed = (seed * 16807) % 2147483647) / 2147483647
    const n = 2000
    const c = new Float32Array(2 * n)
    for (let i = 0; i < 2 * n; i++) c[i] = rnd() * 100 - 50
    const idx = buildGridIndex(c, bounds(c), 3)
    for (let q = 0; q < 200; q++) {
      const x = rnd() * 110 - 55,
        y = rnd() * 110 - 55,
        r = 2
      let best = -1,
        bd = r * r
      for (let i = 0; i < n; i++) {
        const d = (c[2 * i] - x) ** 2 + (c[2 * i + 1] - y) ** 2
        if (d <= bd) {
          bd = d
          best = i
        }
      }
      const got = nearestPoint(idx, x, y, r)
      if (best === -1) expect(got).toBe(-1)
      else expect((c[2 * got] - x) ** 2 + (c[2 * got + 1] - y) ** 2).toBeCloseTo(bd, 4)
    }
  })
})

describe('box selection', () => {
  it('normalises corners and selects the points inside (edges included)', () => {
    expect(normalizeRect(5, 4, 1, 2)).toEqual({ x0: 1, y0: 2, x1: 5, y1: 4 })
    expect(pointsInBox(coords, { x0: 4, y0: 0, x1: 10, y1: 3 })).toEqual([1, 4])
    expect(pointsInBox(coords, { x0: 4, y0: 0, x1: 10, y1: 3 }, (i) => i !== 4)).toEqual([1])
  })

  it('maps a screen rectangle to data units', () => {
    const t = fitTransform(bounds(coords), 220, 220, 10)
    const r = screenRectToData(t, 210, 60, 100, 170)
    expect(r.x0).toBeCloseTo(4.5)
    expect(r.x1).toBeCloseTo(10)
    expect(r.y0).toBeCloseTo(-0.5)
    expect(r.y1).toBeCloseTo(5)
  })

  it('rectangles round-trip through the URL', () => {
    const r = { x0: -1.23456, y0: 2, x1: 3.5, y1: 40.12345 }
    const s = rectToParam(r)
    expect(s).toBe('-1.235,2,3.5,40.12')
    expect(rectFromParam(s)).toEqual({ x0: -1.235, y0: 2, x1: 3.5, y1: 40.12 })
    expect(rectFromParam('1,2,x,4')).toBe(null)
    expect(rectFromParam(null)).toBe(null)
  })

  it('splits the point table into columns', () => {
    const cols = pointColumns({ shape: [2, 3], data: new Float32Array([7, 1, 2, 9, 3, 3]) })
    expect(cols.n).toBe(2)
    expect([...cols.index]).toEqual([7, 9])
    expect([...cols.truth]).toEqual([1, 3])
    expect([...cols.pred]).toEqual([2, 3])
  })
})
