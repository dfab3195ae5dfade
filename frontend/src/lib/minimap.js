/**
 * The overview's minimap: the whole strip drawn small, the part on screen marked. Pure maths.
 * The strip is `scrollWidth` wide, `clientWidth` of it on screen from `scrollLeft`; the minimap
 * is `mapWidth` wide.
 */

/** The viewport's rectangle on the minimap: {left, width} in minimap px. */
export function viewportOnMap({ scrollLeft, clientWidth, scrollWidth }, mapWidth) {
  if (!(scrollWidth > 0) || !(mapWidth > 0)) return { left: 0, width: mapWidth || 0 }
  const scale = mapWidth / scrollWidth
  const width = Math.min(mapWidth, clientWidth * scale)
  const left = Math.max(0, Math.min(mapWidth - width, scrollLeft * scale))
  return { left, width }
}

/** The scrollLeft that centres the viewport on minimap x (clamped to the strip). */
export function scrollForMapX(x, { clientWidth, scrollWidth }, mapWidth) {
  if (!(mapWidth > 0)) return 0
  const target = (x / mapWidth) * scrollWidth - clientWidth / 2
  return Math.max(0, Math.min(Math.max(0, scrollWidth - clientWidth), target))
}

/** Each column's span on the minimap from its offsets in the strip: [{left, width}]. */
export function columnsOnMap(columns, scrollWidth, mapWidth) {
  const scale = scrollWidth > 0 ? mapWidth / scrollWidth : 0
  return columns.map(({ x, width }) => ({ left: x * scale, width: Math.max(1, width * scale) }))
}
