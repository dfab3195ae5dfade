import { describe, expect, it } from 'vitest'
import { areaPath, correlationDomain, linePath, linearScale, ticks } from '../curves'

const box = { left: 10, right: 110, top: 0, bottom: 100 }

describe('curves', () => {
  it('scales linearly, y upwards', () => {
    const s = linearScale([0, 1], [100, 0])
    expect(s(0)).toBe(100)
    expect(s(1)).toBe(0)
    expect(s(0.25)).toBe(75)
    expect(linearScale([2, 2], [0, 10])(2)).toBe(5)
  })

  it('builds a path through the points in the plot box', () => {
    expect(linePath([0, 0.5, 1], [0, 1, 0.5], { x: [0, 1], y: [0, 1] }, box)).toBe('M10 100 L60 0 L110 50')
  })

  it('scales correlations on −1..1', () => {
    expect(linePath([0, 1], [-1, 1], { x: [0, 1], y: [-1, 1] }, box)).toBe('M10 100 L110 0')
  })

  it('breaks the line at null values', () => {
    expect(
      linePath([0, 1, 2, 3], [1, null, 0, 0], { x: [0, 3], y: [0, 1] }, { left: 0, right: 30, top: 0, bottom: 10 }),
    ).toBe('M0 0 M20 10 L30 10')
  })

  it('closes the area under a curve', () => {
    expect(areaPath([0, 1], [1, 1], { x: [0, 1], y: [0, 1] }, box)).toBe('M10 0 L110 0 L110 100 L10 100 Z')
  })

  it('ticks and domains', () => {
    expect(ticks(0, 1, 3)).toEqual([0, 0.5, 1])
    expect(correlationDomain([0.9, 0.5, 0.1], 0.5)).toEqual([0, 1])
    expect(correlationDomain([0.9, null, -0.2], 0.5)).toEqual([-1, 1])
  })
})
