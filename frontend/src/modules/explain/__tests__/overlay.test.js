import { describe, expect, it } from 'vitest'
import { blendOverlay, mapRange, overlayValues, toGreys } from '../overlay'
import { saliencyColor } from '@/config/color-scales'

describe('overlayValues', () => {
  const signed = new Float32Array([-2, -1, 0, 1, 4])

  it('shows the positive part of a signed map by default, 0..max', () => {
    const ov = overlayValues(signed, { signed: true })
    expect(ov.part).toBe('positive')
    expect([...ov.values]).toEqual([0, 0, 0, 1, 4])
    expect(ov.vmin).toBe(0)
    expect(ov.vmax).toBe(4)
    expect(ov.flat).toBe(false)
    expect([ov.min, ov.max]).toEqual([-2, 4])
  })

  it('shows the size of the negative part on the same scale, 0..|min|', () => {
    const ov = overlayValues(signed, { signed: true, part: 'negative' })
    expect(ov.part).toBe('negative')
    expect([...ov.values]).toEqual([2, 1, 0, 0, 0])
    expect(ov.vmax).toBe(2)
    expect(ov.flat).toBe(false)
  })

  it('calls a signed map with no negative values flat on its negative side', () => {
    expect(overlayValues(new Float32Array([0, 1, 2]), { signed: true, part: 'negative' }).flat).toBe(true)
  })

  it('paints an unsigned map from 0 to its max', () => {
    const ov = overlayValues(new Float32Array([0.5, 1, 2]), { signed: false })
    expect(ov.part).toBe('all')
    expect(ov.vmin).toBe(0)
    expect(ov.vmax).toBe(2)
    expect(ov.flat).toBe(false)
  })

  it('reports flat (empty) maps', () => {
    expect(overlayValues(new Float32Array(9), { signed: false }).flat).toBe(true)
    expect(overlayValues(new Float32Array(9).fill(3), { signed: false }).flat).toBe(true)
    expect(overlayValues(new Float32Array(9), { signed: true }).flat).toBe(true)
  })

  it('ignores NaN in the range', () => {
    expect(mapRange(new Float32Array([NaN, 1, -1]))).toEqual({ min: -1, max: 1 })
    expect(mapRange(new Float32Array([]))).toEqual({ min: 0, max: 0 })
  })
})

describe('blendOverlay', () => {
  const base = new Uint8ClampedArray([100, 100, 100, 255, 100, 100, 100, 255])
  const ov = overlayValues(new Float32Array([0, 1]), { signed: false })

  it('paints viridis at full opacity: dark purple at 0, yellow at max', () => {
    const px = blendOverlay(ov, base, 1)
    expect([...px.slice(0, 3)]).toEqual(saliencyColor(0, 1))
    expect([...px.slice(4, 7)]).toEqual(saliencyColor(1, 1))
    expect(px[3]).toBe(255)
  })

  it('shows the image alone at zero opacity and blends linearly between', () => {
    expect([...blendOverlay(ov, base, 0)]).toEqual([...base])
    const half = blendOverlay(ov, base, 0.5)
    const top = saliencyColor(1, 1)
    expect(Math.abs(half[4] - (100 + (top[0] - 100) * 0.5))).toBeLessThanOrEqual(0.5)
  })

  it('never paints a flat map over the image', () => {
    const flat = overlayValues(new Float32Array(2), { signed: false })
    expect([...blendOverlay(flat, base, 1)]).toEqual([...base])
  })

  it('changes with the opacity', () => {
    expect([...blendOverlay(ov, base, 0.2)]).not.toEqual([...blendOverlay(ov, base, 0.8)])
  })
})

describe('viridis', () => {
  it('gets lighter from vmin to vmax (perceptually ordered)', () => {
    const lum = ([r, g, b]) => 0.2126 * r + 0.7152 * g + 0.0722 * b
    let last = -1
    for (let i = 0; i <= 10; i++) {
      const l = lum(saliencyColor(i / 10, 1))
      expect(l).toBeGreaterThan(last)
      last = l
    }
  })
})

it('toGreys turns RGBA into grey levels', () => {
  expect([...toGreys(new Uint8ClampedArray([255, 0, 0, 255]))]).toEqual([76, 76, 76, 255])
})
