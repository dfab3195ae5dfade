import { describe, expect, it } from 'vitest'
import {
  LUT_SIZE,
  textOn,
  activationColor,
  colorLut,
  inputColor,
  kernelColor,
  lutIndex,
  scaleGradientCss,
} from './color-scales'

const hue = ([r, , b]) => (r > b ? 'red' : b > r ? 'blue' : 'neutral')

describe('activation colormap', () => {
  it('maps zero to pure white whatever the range', () => {
    for (const vmax of [1e-6, 0.5, 1, 37]) expect(activationColor(0, vmax)).toEqual([255, 255, 255])
  })
  it('gives negatives a red hue and positives a blue hue', () => {
    for (const v of [-1, -0.5, -0.05]) expect(hue(activationColor(v, 1))).toBe('red')
    for (const v of [1, 0.5, 0.05]) expect(hue(activationColor(v, 1))).toBe('blue')
  })
  it('is symmetric around zero: same distance from white for ±v', () => {
    const dist = (c) => 3 * 255 - c[0] - c[1] - c[2]
    for (const v of [0.2, 0.6, 1])
      expect(Math.abs(dist(activationColor(v, 1)) - dist(activationColor(-v, 1)))).toBeLessThan(60)
  })
  it('gets darker with |value| and clamps beyond the limit', () => {
    const sum = (c) => c[0] + c[1] + c[2]
    expect(sum(activationColor(0.9, 1))).toBeLessThan(sum(activationColor(0.3, 1)))
    expect(activationColor(5, 1)).toEqual(activationColor(1, 1))
    expect(activationColor(-5, 1)).toEqual(activationColor(-1, 1))
  })
  it('paints an all-zero range (vmax 0) white instead of dividing by zero', () => {
    expect(activationColor(0, 0)).toEqual([255, 255, 255])
  })
})

describe('kernel colormap', () => {
  it('maps zero to white, negative to brown (red > blue), positive to teal (green/blue > red)', () => {
    expect(kernelColor(0, 1)).toEqual([255, 255, 255])
    const [r, , b] = kernelColor(-1, 1)
    expect(r).toBeGreaterThan(b)
    const [r2, g2] = kernelColor(1, 1)
    expect(g2).toBeGreaterThan(r2)
  })
})

describe('lookup tables (what canvases paint with)', () => {
  it('have an exactly white middle entry that zero maps to', () => {
    const lut = colorLut('activation')
    const mid = lutIndex(0, 3.7, true)
    expect(mid).toBe((LUT_SIZE - 1) / 2)
    expect([...lut.slice(mid * 3, mid * 3 + 3)]).toEqual([255, 255, 255])
  })
  it('send −vmax to the first entry, +vmax to the last, and keep the sign → hue rule', () => {
    const lut = colorLut('activation')
    expect(lutIndex(-2, 2)).toBe(0)
    expect(lutIndex(2, 2)).toBe(LUT_SIZE - 1)
    expect(lutIndex(99, 2)).toBe(LUT_SIZE - 1)
    const at = (v) => {
      const j = lutIndex(v, 1) * 3
      return [lut[j], lut[j + 1], lut[j + 2]]
    }
    expect(hue(at(-0.3))).toBe('red')
    expect(hue(at(0.3))).toBe('blue')
  })
  it('map NaN (padding) to white and sequential values from vmin to vmax', () => {
    expect(lutIndex(NaN, 1, true)).toBe((LUT_SIZE - 1) / 2)
    expect(lutIndex(-1, 1, false, -1)).toBe(0)
    expect(lutIndex(1, 1, false, -1)).toBe(LUT_SIZE - 1)
    const grey = colorLut('input')
    expect([...grey.slice(0, 3)]).toEqual([0, 0, 0])
    expect([...grey.slice(-3)]).toEqual([255, 255, 255])
  })
  it('input greys go black → white', () => {
    expect(inputColor(0)).toEqual([0, 0, 0])
    expect(inputColor(1)).toEqual([255, 255, 255])
  })
  it('legend gradient has white at 50%', () => {
    expect(scaleGradientCss('activation')).toContain('rgb(255 255 255) 50.0%')
  })
})

describe('text on a coloured cell', () => {
  // WCAG contrast of a text colour on a background, both [r, g, b] 0..255
  const lum = (rgb) =>
    rgb
      .map((v) => v / 255)
      .map((c) => (c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4))
      .reduce((sum, c, i) => sum + c * [0.2126, 0.7152, 0.0722][i], 0)
  const hex = (h) => [1, 3, 5].map((i) => parseInt(h.slice(i, i + 2), 16))
  const contrast = (a, b) => (Math.max(lum(a), lum(b)) + 0.05) / (Math.min(lum(a), lum(b)) + 0.05)

  it('picks whichever of white and black reads better, at least 4.5:1 on the scales', () => {
    expect(textOn([221, 111, 89])).toBe('#000000') // #dd6f59: white was 3.2:1
    expect(textOn([0, 0, 0])).toBe('#ffffff')
    expect(textOn([255, 255, 255])).toBe('#000000')
    for (let v = -1; v <= 1; v += 0.05) {
      const rgb = activationColor(v, 1)
      expect(contrast(hex(textOn(rgb)), rgb)).toBeGreaterThanOrEqual(4.5)
    }
  })
})
