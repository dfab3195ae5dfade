/**
 * Blocks of a network's layer list, found from its graph, so an overview of hundreds of layers can
 * show a few dozen columns: ResNet stages of residual blocks, DenseNet dense blocks of their
 * units, MobileNet / EfficientNet inverted-residual blocks. Pure functions, no Vue.
 *
 * 1. A layer is a cut when no edge of the graph jumps over it (every path from the input to the
 *    output passes through it: an articulation point of the layer DAG in list order). The layers
 *    between two cuts, with the closing cut (the merge: Add, Concatenate), form a graph block.
 * 2. Neighbouring units whose names share a unit prefix ("conv2_block1", "block_3", "block2a",
 *    else the first name part: "conv1", "pool2") join: the ReLU after a residual Add, a stem.
 * 3. Neighbouring units of one stage ("conv2" of conv2_block1…3, "block2" of block2a/2b) group.
 */

/** The name prefix that marks one unit (block) of the well-known architectures, or null. */
export function unitKey(name) {
  const m =
    /^(block_\d+)_/.exec(name) || // MobileNetV2: block_3_expand
    /^(.+?_block\d+)_/.exec(name) || // ResNet, DenseNet: conv2_block1_1_conv
    /^(block\d+[a-z])_/.exec(name) || // EfficientNet: block2a_expand_conv
    /^([^_]+)_/.exec(name) // conv1_pad, pool2_bn
  return m ? m[1] : null
}

/** The stage a unit belongs to ("conv2" for conv2_block1, "block2" for block2a), or null. */
export function stageKey(name) {
  const m = /^(.+?)_block\d+_/.exec(name) || /^(block\d+)[a-z]_/.exec(name)
  return m ? m[1] : null
}

/**
 * Which layers are cuts: no edge from an earlier layer (or the input) reaches past them.
 * @param {Array<{name: string, inbound?: string[]}>} layers in list order
 * @returns {boolean[]}
 */
export function cutLayers(layers) {
  const pos = new Map(layers.map((l, i) => [l.name, i]))
  const cover = new Array(layers.length + 1).fill(0)
  layers.forEach((l, to) => {
    for (const source of l.inbound || []) {
      const from = pos.has(source) ? pos.get(source) : -1
      if (from < to - 1) {
        // every layer strictly between from and to is jumped over
        cover[from + 1] += 1
        cover[to] -= 1
      }
    }
  })
  let running = 0
  return layers.map((_, i) => {
    running += cover[i]
    return running === 0
  })
}

const layerNode = (layers, i) => ({ kind: 'layer', name: layers[i].name, index: i })

function makeBlock(label, children) {
  const layerIndices = children.flatMap((c) => (c.kind === 'layer' ? [c.index] : c.layerIndices))
  return { kind: 'block', id: label, label, children, layerIndices }
}

/** Merge neighbouring items with the same key (null never merges) into blocks of ≥ 2 items. */
function groupRuns(items, keyOf, build) {
  const out = []
  let run = []
  let runKey = null
  const close = () => {
    if (run.length >= 2) out.push(build(runKey, run))
    else out.push(...run)
    run = []
  }
  for (const item of items) {
    const key = keyOf(item)
    if (key === null || key !== runKey) {
      close()
      runKey = key
    }
    run.push(item)
    if (key === null) {
      close()
      runKey = null
    }
  }
  close()
  return out
}

/**
 * The block tree of a layer list: an array of layer nodes {kind: 'layer', name, index} and blocks
 * {kind: 'block', id, label, children, layerIndices} (children: layers or blocks).
 * @param {Array<{name: string, inbound?: string[]}>} layers in list order
 */
export function detectBlocks(layers) {
  const cuts = cutLayers(layers)
  // 1. graph units: runs of layers up to and including the next cut
  const units = []
  let pending = []
  layers.forEach((_, i) => {
    pending.push(i)
    if (cuts[i] || i === layers.length - 1) {
      units.push({ indices: pending, graph: pending.length > 1 })
      pending = []
    }
  })
  // 2. units joined by their name prefix
  const firstName = (u) => layers[u.indices[0]].name
  const joined = groupRuns(
    units,
    (u) => unitKey(firstName(u)),
    (key, run) => ({ indices: run.flatMap((u) => u.indices), graph: run.some((u) => u.graph), key }),
  )
  const nodes = joined.map((u) =>
    u.indices.length === 1
      ? layerNode(layers, u.indices[0])
      : makeBlock(
          u.key || unitKey(layers[u.indices[0]].name) || layers[u.indices[0]].name,
          u.indices.map((i) => layerNode(layers, i)),
        ),
  )
  // 3. stages: neighbouring blocks of one stage
  const stageOf = (n) => (n.kind === 'block' ? stageKey(layers[n.layerIndices[0]].name) : null)
  const tree = groupRuns(nodes, stageOf, (key, run) => makeBlock(key, run))
  return uniqueIds(tree)
}

function uniqueIds(tree) {
  const seen = new Map()
  const walk = (nodes) => {
    for (const n of nodes) {
      if (n.kind !== 'block') continue
      const count = seen.get(n.id) || 0
      seen.set(n.id, count + 1)
      if (count) n.id = `${n.id}~${count + 1}`
      walk(n.children)
    }
  }
  walk(tree)
  return tree
}

/** Blocks collapse by default above this many layers. */
export const COLLAPSE_ABOVE = 40

/**
 * The overview's columns for the set of expanded block ids: layers, collapsed blocks, and for each
 * expanded block a thin "open block" marker before its children.
 * @returns {Array<{kind: 'layer', name: string, index: number} | {kind: 'block', block: object, depth: number} | {kind: 'open', block: object, depth: number}>}
 */
export function flattenColumns(tree, expanded) {
  const out = []
  const walk = (nodes, depth) => {
    for (const n of nodes) {
      if (n.kind === 'layer') out.push(n)
      else if (expanded.has(n.id)) {
        out.push({ kind: 'open', block: n, depth })
        walk(n.children, depth + 1)
      } else out.push({ kind: 'block', block: n, depth })
    }
  }
  walk(tree, 0)
  return out
}

/** The ids of the blocks that contain the layer at list position `index`, outermost first. */
export function blocksContaining(tree, index) {
  const path = []
  const walk = (nodes) => {
    for (const n of nodes) {
      if (n.kind === 'block' && n.layerIndices.includes(index)) {
        path.push(n.id)
        walk(n.children)
        return
      }
    }
  }
  walk(tree)
  return path
}
