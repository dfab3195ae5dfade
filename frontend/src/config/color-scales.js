/**
 * The colour scales of ConvScope, defined once (UI.md: "colour scales, defined once in the front
 * end's config module").
 *
 * Every scale is a plain function value → [r, g, b] (0..255), so the same function
 * paints canvases, legends and (via `rgbCss`) DOM elements.
 */

/** The one accent colour of the UI (also the probability hue). Keep in sync with styles/main.css. */
export const ACCENT = '#5b3fd1'
export const ACCENT_RGB = [91, 63, 209]

// Diverging stops, most negative → zero → most positive. Zero is pure white on purpose:
// "no signal" must look like nothing. Outer stops after ColorBrewer RdBu / BrBG.
const ACTIVATION_STOPS = [
  [103, 0, 31], // −1   dark red
  [178, 24, 43],
  [214, 96, 77],
  [244, 165, 130],
  [253, 219, 199],
  [255, 255, 255], // 0 white
  [209, 229, 240],
  [146, 197, 222],
  [67, 147, 195],
  [33, 102, 172],
  [5, 48, 97], // +1  dark blue
]

const KERNEL_STOPS = [
  [84, 48, 5], // −1 brown
  [140, 81, 10],
  [191, 129, 45],
  [223, 194, 125],
  [246, 232, 195],
  [255, 255, 255], // 0 white
  [199, 234, 229],
  [128, 205, 193],
  [53, 151, 143],
  [1, 102, 94],
  [0, 60, 48], // +1 teal
]

function clamp(x, lo, hi) {
  return x < lo ? lo : x > hi ? hi : x
}

/** Linear interpolation through evenly spaced stops, t in [0, 1]. */
function interpolate(stops, t) {
  const x = clamp(Number.isFinite(t) ? t : 0.5, 0, 1) * (stops.length - 1)
  const i = Math.min(Math.floor(x), stops.length - 2)
  const f = x - i
  const a = stops[i]
  const b = stops[i + 1]
  return [
    Math.round(a[0] + (b[0] - a[0]) * f),
    Math.round(a[1] + (b[1] - a[1]) * f),
    Math.round(a[2] + (b[2] - a[2]) * f),
  ]
}

/** Map v in [−vmax, +vmax] to t in [0, 1] with zero at 0.5 (symmetric around zero). */
function symmetric(v, vmax) {
  if (!(vmax > 0)) return 0.5
  return 0.5 + clamp(v / vmax, -1, 1) / 2
}

/** Activations: red (negative) / white (zero) / blue (positive), symmetric around zero. */
export function activationColor(v, vmax) {
  return interpolate(ACTIVATION_STOPS, symmetric(v, vmax))
}

/** Kernels and weights: brown (negative) / white (zero) / teal (positive), symmetric around zero. */
export function kernelColor(v, vmax) {
  return interpolate(KERNEL_STOPS, symmetric(v, vmax))
}

/** Input images: black (vmin) → white (vmax). */
export function inputColor(v, vmin = 0, vmax = 1) {
  const t = vmax > vmin ? clamp((v - vmin) / (vmax - vmin), 0, 1) : 0
  const g = Math.round(t * 255)
  return [g, g, g]
}

/** Probabilities: one hue (the accent), from a very light tint (0) to the full accent (1). */
export function probabilityColor(p) {
  const t = clamp(p, 0, 1)
  const light = [236, 232, 250]
  return [0, 1, 2].map((k) => Math.round(light[k] + (ACCENT_RGB[k] - light[k]) * t))
}

// Viridis (matplotlib, van der Walt & Smith): perceptually uniform, sequential, readable in grey
// and by colour-blind readers. 16 evenly spaced samples of the original 256-entry table.
const VIRIDIS_STOPS = [
  [68, 1, 84],
  [72, 26, 108],
  [71, 47, 125],
  [65, 68, 135],
  [57, 86, 140],
  [49, 104, 142],
  [42, 120, 142],
  [35, 136, 142],
  [31, 152, 139],
  [34, 168, 132],
  [53, 183, 121],
  [84, 197, 104],
  [122, 209, 81],
  [165, 219, 54],
  [210, 226, 27],
  [253, 231, 37],
]

/** Saliency overlays: viridis, vmin (dark purple) → vmax (yellow). */
export function saliencyColor(v, vmax = 1, vmin = 0) {
  const t = vmax > vmin ? (v - vmin) / (vmax - vmin) : 0
  return interpolate(VIRIDIS_STOPS, t)
}

/** Named scales, for legends and components that take the scale as a prop. */
export const SCALES = {
  activation: { fn: activationColor, diverging: true, label: 'activation' },
  kernel: { fn: kernelColor, diverging: true, label: 'weight' },
  input: { fn: (v, vmax) => inputColor(v, 0, vmax), diverging: false, label: 'intensity' },
  probability: { fn: (v) => probabilityColor(v), diverging: false, label: 'probability' },
  saliency: { fn: (v, vmax) => saliencyColor(v, vmax), diverging: false, label: 'evidence' },
}

/** Size of a colour lookup table (odd, so zero has its own exactly-white middle entry). */
export const LUT_SIZE = 257

const lutCache = new Map()
/**
 * A lookup table of LUT_SIZE colours (Uint8ClampedArray, r,g,b per entry) for a named scale,
 * sampled from its −1..1 (diverging) or 0..1 range; index it with `lutIndex`.
 */
export function colorLut(name) {
  let lut = lutCache.get(name)
  if (lut) return lut
  const { fn, diverging } = SCALES[name]
  lut = new Uint8ClampedArray(LUT_SIZE * 3)
  for (let i = 0; i < LUT_SIZE; i++) {
    const t = i / (LUT_SIZE - 1)
    const [r, g, b] = diverging ? fn(t * 2 - 1, 1) : fn(t, 1)
    lut[i * 3] = r
    lut[i * 3 + 1] = g
    lut[i * 3 + 2] = b
  }
  lutCache.set(name, lut)
  return lut
}

/**
 * The LUT entry for a value. Diverging: −vmax → 0, 0 → the middle, +vmax → the last;
 * sequential: vmin → 0, vmax → the last. Values beyond the limits clamp.
 */
export function lutIndex(v, vmax, diverging = true, vmin = 0) {
  let t
  if (diverging) t = vmax > 0 ? 0.5 + v / vmax / 2 : 0.5
  else t = vmax > vmin ? (v - vmin) / (vmax - vmin) : 0
  if (!(t >= 0)) t = diverging && Number.isNaN(t) ? 0.5 : 0
  if (t > 1) t = 1
  return Math.round(t * (LUT_SIZE - 1))
}

/** [r, g, b] → 'rgb(r g b)' */
export function rgbCss([r, g, b]) {
  return `rgb(${r} ${g} ${b})`
}

/** CSS linear-gradient for a legend bar of a named scale. */
export function scaleGradientCss(name, steps = 11) {
  const { fn, diverging } = SCALES[name]
  const stops = []
  for (let i = 0; i < steps; i++) {
    const t = i / (steps - 1)
    const v = diverging ? t * 2 - 1 : t
    stops.push(`${rgbCss(fn(v, 1))} ${(t * 100).toFixed(1)}%`)
  }
  return `linear-gradient(to right, ${stops.join(', ')})`
}

/**
 * Categorical colours for classes (Tableau 10, then its lighter partners): distinct hues for up to
 * 20 classes; beyond that they repeat, and hover text always names the class.
 */
export const CATEGORICAL = [
  '#4e79a7',
  '#f28e2b',
  '#e15759',
  '#76b7b2',
  '#59a14f',
  '#edc948',
  '#b07aa1',
  '#ff9da7',
  '#9c755f',
  '#bab0ac',
  '#a0cbe8',
  '#ffbe7d',
  '#ff9d9a',
  '#86bcb6',
  '#8cd17d',
  '#f1ce63',
  '#d4a6c8',
  '#fabfd2',
  '#d37295',
  '#79706e',
]
/** The colour of class i. */
export function categoricalColor(i) {
  const n = CATEGORICAL.length
  return CATEGORICAL[((Number(i) % n) + n) % n]
}

// Sequential single-hue scale for counts (the confusion matrix): near-white → the accent → dark.
const COUNT_STOPS = [
  [247, 246, 252],
  [222, 216, 245],
  [188, 175, 236],
  [150, 128, 224],
  [112, 84, 213],
  [80, 52, 180],
  [52, 30, 128],
]
/** Counts and rates: t in [0, 1] (v / vmax) from near-white to dark accent. */
export function countColor(v, vmax = 1) {
  return interpolate(COUNT_STOPS, vmax > 0 ? v / vmax : 0)
}
SCALES.count = { fn: (v, vmax) => countColor(v, vmax), diverging: false, label: 'count' }

/** Text on a coloured cell: white on dark fills, near-black on light ones (contrast AA). */
export function textOn([r, g, b]) {
  // the WCAG contrast of white and of black on this colour: the higher wins (a fixed lightness
  // cut put white on mid reds such as #dd6f59, 3.2:1); black, not a softer near-black, so that
  // even the hardest mid-tones keep 4.5:1
  const channel = (v) => {
    const c = v / 255
    return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4
  }
  const lum = 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b)
  const onWhite = 1.05 / (lum + 0.05)
  const onBlack = (lum + 0.05) / 0.05
  return onWhite > onBlack ? '#ffffff' : '#000000'
}
