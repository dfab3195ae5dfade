/** Helpers of the register forms: where "Explore it now" goes, reading typed numbers. */

/** Where "Explore it now" goes for a registered network. */
export function exploreLink(networkId, dataset) {
  const query = { network: String(networkId) }
  if (dataset) query.dataset = dataset
  return { path: '/', query }
}

/** Parse "0.5" or "0.485, 0.456, 0.406" into numbers; null when any part is not a number. */
export function parseFloats(text) {
  const parts = String(text ?? '')
    .split(/[,;\s]+/)
    .filter(Boolean)
  if (!parts.length) return null
  const values = parts.map(Number)
  return values.every((v) => Number.isFinite(v)) ? values : null
}
