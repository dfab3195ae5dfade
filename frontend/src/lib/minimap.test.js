import { describe, expect, it } from 'vitest'
import { columnsOnMap, scrollForMapX, viewportOnMap } from './minimap'

describe('minimap maths', () => {
  const strip = { scrollLeft: 0, clientWidth: 1000, scrollWidth: 13000 }
  it('marks the part on screen at the strip’s scale', () => {
    expect(viewportOnMap(strip, 260)).toEqual({ left: 0, width: 20 })
    expect(viewportOnMap({ ...strip, scrollLeft: 6500 }, 260)).toEqual({ left: 130, width: 20 })
    // past the end (a rounding scrollLeft) stays inside the map
    expect(viewportOnMap({ ...strip, scrollLeft: 20000 }, 260)).toEqual({ left: 240, width: 20 })
    // a strip narrower than the screen: the whole map
    expect(viewportOnMap({ scrollLeft: 0, clientWidth: 1000, scrollWidth: 800 }, 260)).toEqual({ left: 0, width: 260 })
  })
  it('a click centres the screen on that point, clamped to the ends', () => {
    expect(scrollForMapX(130, strip, 260)).toBe(6000)
    expect(scrollForMapX(0, strip, 260)).toBe(0)
    expect(scrollForMapX(260, strip, 260)).toBe(12000)
    // round trip: the viewport drawn after the jump is centred where clicked
    const v = viewportOnMap({ ...strip, scrollLeft: scrollForMapX(100, strip, 260) }, 260)
    expect(v.left + v.width / 2).toBeCloseTo(100)
  })
  it('columns shrink to the map, at least a pixel wide', () => {
    expect(
      columnsOnMap(
        [
          { x: 0, width: 100 },
          { x: 6500, width: 5 },
        ],
        13000,
        260,
      ),
    ).toEqual([
      { left: 0, width: 2 },
      { left: 130, width: 1 },
    ])
  })
})
