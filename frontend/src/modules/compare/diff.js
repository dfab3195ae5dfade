/** Pure helpers of the Compare page: colours of a difference, links into Explore, CKA cells. */

/**
 * Background of a confusion-difference cell (B minus A). On the diagonal more is better (teal),
 * off it more is worse (brown): the colour says whether B improved, the number says by how much.
 * @returns {string} an rgba() colour; transparent for no change
 */
export function changeColour(delta, diagonal, maxAbs) {
  if (!delta || !maxAbs) return 'transparent'
  const better = diagonal ? delta > 0 : delta < 0
  const alpha = Math.min(1, Math.abs(delta) / maxAbs) * 0.85 + 0.1
  return better ? `rgba(1, 133, 113, ${alpha.toFixed(3)})` : `rgba(166, 97, 26, ${alpha.toFixed(3)})`
}

/** The largest absolute value in a matrix (0 when empty). */
export function maxAbs(matrix) {
  let m = 0
  for (const row of matrix || []) for (const v of row) m = Math.max(m, Math.abs(v))
  return m
}

/** A CKA value 0..1 as a sequential blue (white at 0). */
export function ckaColour(value) {
  const v = Math.max(0, Math.min(1, value))
  const r = Math.round(255 - v * (255 - 8))
  const g = Math.round(255 - v * (255 - 69))
  const b = Math.round(255 - v * (255 - 148))
  return `rgb(${r}, ${g}, ${b})`
}

/** The Explore route of one side (network, its epoch, a test image and/or a layer). */
export function exploreLink({ dataset, network, epoch = null, sample = null, layer = null }) {
  const query = { dataset, network: String(network) }
  if (epoch) query.epoch = String(epoch)
  if (sample !== null && sample !== undefined) query.sample = String(sample)
  if (layer) query.layer = layer
  return { name: 'explore', query }
}

/** Per-class rows: recall of A and B and the change, biggest change first. */
export function classChanges(summary) {
  if (!summary) return []
  return summary.labels
    .map((label, i) => ({
      index: i,
      label,
      a: summary.recall_a[i],
      b: summary.recall_b[i],
      change: summary.recall_b[i] - summary.recall_a[i],
    }))
    .sort((x, y) => Math.abs(y.change) - Math.abs(x.change))
}
