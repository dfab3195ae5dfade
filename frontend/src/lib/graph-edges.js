/**
 * The edges the network overview draws for branching models. The overview's columns are the input
 * node (column 0) and then every layer in list order (layer i is column i + 1); a link between
 * neighbouring columns is already implied by the layout, so only the other links ("skip" edges:
 * residual shortcuts, branches of a Concatenate, extra inputs) are returned.
 */

/**
 * @param {Array<{name: string, inbound?: string[]}>} nodes the layers, in list order
 * @param {string} inputName the overview's own input node; inbound names not in `nodes` map to it
 * @returns {Array<{key: string, from: number, to: number, fromName: string, toName: string, lane: number}>}
 *   `from`/`to` are column indices; `lane` (0, 1, …) keeps overlapping edges apart
 */
export function graphEdges(nodes, inputName = 'input') {
  const column = new Map(nodes.map((n, i) => [n.name, i + 1]))
  const edges = []
  nodes.forEach((n, i) => {
    const to = i + 1
    const seen = new Set()
    for (const source of n.inbound || []) {
      const known = column.has(source) && source !== n.name
      const from = known ? column.get(source) : 0
      const fromName = known ? source : inputName
      if (from === to - 1 || seen.has(from)) continue // the plain previous-column link, or a repeat
      seen.add(from)
      edges.push({ key: `${fromName}->${n.name}`, from, to, fromName, toName: n.name, lane: 0 })
    }
  })
  assignLanes(edges)
  return edges
}

/** Shorter edges get the lower lanes; an edge whose span overlaps one already in a lane moves up. */
function assignLanes(edges) {
  const span = (e) => [Math.min(e.from, e.to), Math.max(e.from, e.to)]
  const order = [...edges].sort(
    (a, b) => span(a)[1] - span(a)[0] - (span(b)[1] - span(b)[0]) || span(a)[0] - span(b)[0],
  )
  const placed = []
  for (const e of order) {
    const [lo, hi] = span(e)
    let lane = 0
    while (placed.some((p) => p.lane === lane && p.lo < hi && lo < p.hi)) lane += 1
    e.lane = lane
    placed.push({ lo, hi, lane })
  }
}

/** How many lanes the edges use (0 for a chain). */
export function laneCount(edges) {
  return edges.reduce((m, e) => Math.max(m, e.lane + 1), 0)
}
