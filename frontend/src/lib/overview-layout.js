/**
 * Where each column of the network overview goes: the main path (the longest chain of layers from
 * the input to the output) laid out straight in the first row, and every other layer — a ResNet
 * projection shortcut, the shorter branches of an Inception-style block — in a row below it,
 * starting under the column after the layer it branches from. Pure functions, no Vue.
 *
 * Keras lists a residual block's layers in creation order, so without this its projection
 * shortcut (conv2_block1_0_conv, _0_bn) sits between the main path's convolutions.
 */

/**
 * @param {Array<{name: string, inbound?: string[]}>} nodes the overview's columns in list order
 *   (list order is a topological order; inbound names not among `nodes` are the input)
 * @param {string} inputName the overview's own input node
 * @returns {{
 *   main: string[],
 *   place: Map<string, {row: number, after: string, offset: number}>,
 *   previous: Map<string, string>,
 *   rows: number,
 * }}
 *   `main`: the main path's names in order. `place`: every node's row (0 = the main row) and,
 *   for side rows, the main-row node it starts after (`inputName` for the input) and its offset
 *   (1, 2, … columns to the right of it). `previous`: each node's neighbour on its left in its
 *   own row, when that neighbour feeds it (the link the layout itself implies). `rows`: how many
 *   rows in all.
 */
export function layoutOverview(nodes, inputName = 'input') {
  const index = new Map(nodes.map((n, i) => [n.name, i]))
  const sources = nodes.map((n) =>
    [...new Set(n.inbound || [])].map((s) => (index.has(s) && s !== n.name ? index.get(s) : -1)),
  )

  // longest chain ending at each node (ties: the source listed first in the layer's inbound)
  const depth = new Array(nodes.length).fill(0)
  const via = new Array(nodes.length).fill(-1)
  nodes.forEach((_, i) => {
    let best = 0
    let from = -1
    for (const j of sources[i]) {
      const d = j >= 0 && j < i ? depth[j] : 0
      if (d > best) {
        best = d
        from = j
      }
    }
    depth[i] = best + 1
    via[i] = from
  })
  const onMain = new Array(nodes.length).fill(false)
  for (let i = nodes.length - 1; i >= 0; i = via[i]) onMain[i] = true

  const main = nodes.filter((_, i) => onMain[i]).map((n) => n.name)
  const mainPos = new Map(main.map((name, k) => [name, k + 1])) // the input is position 0
  const place = new Map(main.map((name) => [name, { row: 0, after: name, offset: 0 }]))
  const previous = new Map()
  main.forEach((name, k) => {
    const prev = k === 0 ? inputName : main[k - 1]
    const i = index.get(name)
    const fed = sources[i].some((j) => (j < 0 ? inputName : nodes[j].name) === prev)
    if (fed) previous.set(name, prev)
  })

  // side layers in connected runs (in list order), each run in the lowest row where it fits
  const side = nodes.map((_, i) => i).filter((i) => !onMain[i])
  const group = new Map()
  for (const i of side) {
    const sideSource = sources[i].find((j) => j >= 0 && !onMain[j] && group.has(j))
    group.set(i, sideSource === undefined ? i : group.get(sideSource))
  }
  const runs = new Map()
  for (const i of side) {
    const g = group.get(i)
    if (!runs.has(g)) runs.set(g, [])
    runs.get(g).push(i)
  }
  const taken = [] // per side row: [[from, to], …] main positions already used
  for (const run of runs.values()) {
    // it starts after the latest main-path layer that feeds it
    let anchor = 0
    for (const i of run)
      for (const j of sources[i]) {
        if (j < 0) continue
        if (onMain[j]) anchor = Math.max(anchor, mainPos.get(nodes[j].name))
      }
    const lo = anchor + 1
    const hi = anchor + run.length
    let row = 0
    while (taken[row]?.some(([a, b]) => a <= hi && lo <= b)) row += 1
    ;(taken[row] ||= []).push([lo, hi])
    const after = anchor === 0 ? inputName : main[anchor - 1]
    run.forEach((i, k) => {
      place.set(nodes[i].name, { row: row + 1, after, offset: k + 1 })
      if (k > 0 && sources[i].includes(run[k - 1])) previous.set(nodes[i].name, nodes[run[k - 1]].name)
    })
  }
  return { main, place, previous, rows: 1 + taken.length }
}

/**
 * The edges to draw: every inbound link that the layout does not already imply (a node's left
 * neighbour in its own row feeding it).
 * @returns {Array<{key: string, fromName: string, toName: string, side: boolean}>} `side`: an end
 *   is outside the main row (drawn below the strip's first row rather than over the headers)
 */
export function layoutEdges(nodes, layout, inputName = 'input') {
  const names = new Set(nodes.map((n) => n.name))
  const edges = []
  for (const n of nodes) {
    const seen = new Set()
    for (const s of n.inbound || []) {
      const from = names.has(s) && s !== n.name ? s : inputName
      if (seen.has(from) || layout.previous.get(n.name) === from) continue
      seen.add(from)
      const side = (layout.place.get(n.name)?.row || 0) > 0 || (layout.place.get(from)?.row || 0) > 0
      edges.push({ key: `${from}->${n.name}`, fromName: from, toName: n.name, side })
    }
  }
  return edges
}

/**
 * Lanes for the arcs over the main row (`from`/`to`: their columns): shorter edges get the lower
 * lanes; an edge whose span overlaps one already in a lane moves up. Sets each edge's `lane`.
 */
export function assignLanes(edges) {
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
