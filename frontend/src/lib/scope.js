/**
 * Colour scope: which values set the limits of a heatmap's colour scale.
 * unit = each map (channel) its own range, layer = one range per layer, network = one range for
 * every layer (CNN Explainer's unit / module / global). Pure functions, no Vue.
 */

export const SCOPES = [
  {
    id: 'unit',
    label: 'Per map',
    help: 'Each map uses its own range: weak maps become visible, but maps cannot be compared.',
  },
  {
    id: 'layer',
    label: 'Per layer',
    help: 'All maps of a layer share one range: you can compare channels within a layer.',
  },
  {
    id: 'network',
    label: 'Whole network',
    help: 'Every layer shares one range: you can see which layers have the largest values.',
  },
]
export const DEFAULT_SCOPE = 'layer'
export const isScope = (s) => SCOPES.some((x) => x.id === s)

/**
 * Statistics of one activation array (channels-last H×W×C, or a vector).
 * @param {Float32Array} data
 * @param {{kind: 'maps', h: number, w: number, c: number} | {kind: 'vector', n: number}} layout
 * @returns {{min: number, max: number, vmax: number, channelMin: Float32Array, channelMax: Float32Array, channelVmax: Float32Array}}
 */
export function layerStats(data, layout) {
  const c = layout.kind === 'maps' ? layout.c : 1
  const channelMin = new Float32Array(c).fill(Infinity)
  const channelMax = new Float32Array(c).fill(-Infinity)
  for (let i = 0; i < data.length; i++) {
    const v = data[i]
    if (v !== v) continue // NaN
    const k = c === 1 ? 0 : i % c
    if (v < channelMin[k]) channelMin[k] = v
    if (v > channelMax[k]) channelMax[k] = v
  }
  const channelVmax = new Float32Array(c)
  let min = Infinity
  let max = -Infinity
  for (let k = 0; k < c; k++) {
    if (!Number.isFinite(channelMin[k])) channelMin[k] = channelMax[k] = 0
    if (channelMin[k] < min) min = channelMin[k]
    if (channelMax[k] > max) max = channelMax[k]
    channelVmax[k] = Math.max(Math.abs(channelMin[k]), Math.abs(channelMax[k]))
  }
  if (!Number.isFinite(min)) min = max = 0
  return { min, max, vmax: Math.max(Math.abs(min), Math.abs(max)), channelMin, channelMax, channelVmax }
}

/** The largest |value| over several layers' stats (the whole-network range). */
export function networkVmax(statsList) {
  let v = 0
  for (const s of statsList) if (s && s.vmax > v) v = s.vmax
  return v
}

/**
 * The symmetric colour limit for one map under a scope. A limit of 0 (an all-zero map) becomes 1,
 * so the map paints white instead of dividing by zero.
 * @param {'unit'|'layer'|'network'} scope
 * @param {{stats: ReturnType<typeof layerStats>, channel?: number, network?: number}} ctx
 */
export function vmaxFor(scope, { stats, channel = 0, network = 0 }) {
  let v
  if (scope === 'unit') v = stats.channelVmax[Math.min(channel, stats.channelVmax.length - 1)]
  else if (scope === 'network') v = network || stats.vmax
  else v = stats.vmax
  return v > 0 ? v : 1
}

/** The legend's range for a scope: {vmax, min, max, label} (unit has no single range). */
export function legendFor(scope, { stats, network = 0 }) {
  if (scope === 'network') return { vmax: network > 0 ? network : 1, label: 'scale: whole network' }
  if (scope === 'unit') return { vmax: null, label: 'scale: each map its own' }
  return { vmax: stats.vmax > 0 ? stats.vmax : 1, label: 'scale: this layer' }
}
