/**
 * Saliency overlays, pure: which part of a map to show, its colour range, and the pixels of the
 * map blended over the input image. Colours come from the viridis LUT in config/visual.js.
 */
import { colorLut, lutIndex } from '@/config/color-scales'

/** min / max of a map, ignoring NaN. */
export function mapRange(values) {
  let min = Infinity
  let max = -Infinity
  for (let i = 0; i < values.length; i++) {
    const v = values[i]
    if (v < min) min = v
    if (v > max) max = v
  }
  if (min === Infinity) return { min: 0, max: 0 }
  return { min, max }
}

/**
 * What to paint for one map.
 * - signed maps: part 'positive' paints 0..max (evidence for the class), 'negative' paints the
 *   size of the negative values 0..|min| (evidence against); both on the same viridis scale.
 * - unsigned maps: 0..max (or min..max if the map goes below zero).
 * `flat` is true when there is nothing to paint (max == min, or no evidence of the chosen part).
 * @returns {{values: Float32Array, vmin: number, vmax: number, flat: boolean, min: number, max: number, part: string}}
 */
export function overlayValues(values, { signed = false, part = 'positive' } = {}) {
  const { min, max } = mapRange(values)
  const n = values.length
  const out = new Float32Array(n)
  if (signed) {
    const negative = part === 'negative'
    for (let i = 0; i < n; i++) {
      const v = values[i]
      out[i] = negative ? (v < 0 ? -v : 0) : v > 0 ? v : 0
    }
    const vmax = negative ? (min < 0 ? -min : 0) : max > 0 ? max : 0
    return {
      values: out,
      vmin: 0,
      vmax,
      flat: !(vmax > 0) || max === min,
      min,
      max,
      part: negative ? 'negative' : 'positive',
    }
  }
  out.set(values)
  const vmin = min < 0 ? min : 0
  return { values: out, vmin, vmax: max, flat: !(max > vmin) || max === min, min, max, part: 'all' }
}

/**
 * Blend the viridis-coloured map over a base image (RGBA, same H×W, e.g. from a canvas),
 * alpha = opacity everywhere. A flat map paints the base image alone.
 * @param {{values: Float32Array, vmin: number, vmax: number, flat: boolean}} ov from overlayValues
 * @param {Uint8ClampedArray|null} base RGBA pixels of the input image, or null (black)
 * @returns {Uint8ClampedArray} RGBA
 */
export function blendOverlay(ov, base, opacity) {
  const n = ov.values.length
  const out = new Uint8ClampedArray(n * 4)
  const a = ov.flat ? 0 : Math.max(0, Math.min(1, opacity))
  const lut = colorLut('saliency')
  for (let i = 0; i < n; i++) {
    const j = lutIndex(ov.values[i], ov.vmax, false, ov.vmin) * 3
    const b0 = base ? base[i * 4] : 0
    const b1 = base ? base[i * 4 + 1] : 0
    const b2 = base ? base[i * 4 + 2] : 0
    out[i * 4] = b0 + (lut[j] - b0) * a
    out[i * 4 + 1] = b1 + (lut[j + 1] - b1) * a
    out[i * 4 + 2] = b2 + (lut[j + 2] - b2) * a
    out[i * 4 + 3] = 255
  }
  return out
}

/** RGBA pixels → greys in place (luma), for one-channel inputs. */
export function toGreys(rgba) {
  for (let i = 0; i < rgba.length; i += 4) {
    const g = Math.round(0.299 * rgba[i] + 0.587 * rgba[i + 1] + 0.114 * rgba[i + 2])
    rgba[i] = rgba[i + 1] = rgba[i + 2] = g
  }
  return rgba
}
