import { ACCENT } from '@/config/color-scales'

/**
 * Convolution playground: the largest on-screen cell (CSS px; grids shrink to fit a phone), the
 * fill and text of padding cells, the outline of the window an output cell reads, the slider
 * ranges, the default settings and the range of the "randomise" integers.
 */
export const PLAYGROUND = {
  cellPx: 40,
  paddingFill: '#eceef1',
  paddingText: '#6c757d',
  windowOutline: ACCENT,
  ranges: {
    size: { min: 3, max: 9 },
    kernel: { min: 1, max: 5 },
    stride: { min: 1, max: 3 },
    padding: { min: 0, max: 2 },
  },
  defaults: { size: 5, kernel: 3, stride: 1, padding: 0, preset: 'edge' },
  random: { min: 0, max: 5 },
}
