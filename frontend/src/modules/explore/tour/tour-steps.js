/**
 * The guided tour of the Explore page: its steps, built from the current network's own layers
 * (the network detail's `layers`: name, type, output_shape, config). Pure JavaScript, no Vue,
 * no DOM: each step names the element it talks about by a CSS selector, and the overlay
 * (GuidedTour.vue) finds it. Steps a network has no layer for (no pooling, no flatten) are left out.
 */

export const TOUR_SEEN_KEY = 'convscope.tour.seen'

const rowSelector = (name) => `[data-testid="layer-row"][data-layer="${cssString(name)}"]`
const cssString = (s) => String(s).replace(/["\\]/g, '\\$&')

const isConv = (l) => /conv/i.test(l.type) && !/transpose|deconv/i.test(l.type)
const isGlobalPool = (l) => /global.*pool/i.test(l.type)
const isPool = (l) => /pool/i.test(l.type) && !isGlobalPool(l)
const isActivation = (l) => /relu|^activation$|^elu$|softmax|prelu/i.test(l.type)
const isNorm = (l) => /batch.?norm/i.test(l.type)
const isDense = (l) => /dense|linear/i.test(l.type)
const isFlatten = (l) => /flatten/i.test(l.type)

/** [null, 28, 28, 16] → [28, 28, 16] */
function dims(shape) {
  return Array.isArray(shape) ? shape.filter((d) => d !== null && d !== undefined && d !== -1) : []
}
/** [28, 28, 16] → "28×28×16" */
export function shapeText(shape) {
  const d = dims(shape)
  return d.length ? d.join('×') : '?'
}
/** [28, 28, 16] → "28×28" (the map size, without the channels) */
function mapSize(shape) {
  const d = dims(shape)
  return d.length >= 3 ? `${d[0]}×${d[1]}` : shapeText(d)
}
const channels = (shape) => {
  const d = dims(shape)
  return d.length >= 3 ? d[d.length - 1] : null
}
const count = (shape) => dims(shape).reduce((a, b) => a * b, 1)
const fmt = (n) => Number(n).toLocaleString('en-US')
const kernelText = (k) => (Array.isArray(k) ? k.join('×') : k ? `${k}×${k}` : '?')

/** The layer that feeds `layer`: its first inbound by name, else the one listed before it. */
function inputOf(layers, layer) {
  const name = layer.inbound?.[0]
  const byName = name && layers.find((l) => l.name === name)
  if (byName) return byName
  const i = layers.indexOf(layer)
  return i > 0 ? layers[i - 1] : null
}

/**
 * The tour's steps for a network.
 * @param {Array<{name: string, type: string, output_shape?: number[], config?: object, inbound?: string[]}>} layers
 * @param {{inputShape?: number[]|null, hasInput?: boolean}} [opts]
 * @returns {Array<{id: string, title: string, text: string, target: string, layer?: string, openLayer?: boolean,
 *   avoid?: string}>} `avoid`: a part of the page the card must not cover
 */
export function buildTourSteps(layers = [], { inputShape = null, hasInput = false } = {}) {
  const list = Array.isArray(layers) ? layers : []
  const steps = []
  const size = inputShape ? shapeText(inputShape) : null

  steps.push({
    id: 'input',
    title: 'Start with an image',
    text: hasInput
      ? 'You have an image. Pick another sample here, or upload, draw or photograph your own: everything below is recomputed from it.'
      : 'Pick a sample here, or upload, draw or photograph your own. Everything the tour shows next is computed from that image.',
    target: '[data-tour="input"]',
  })

  steps.push({
    id: 'input-map',
    title: 'What the network sees',
    text: hasInput
      ? `This is your image after the network's own preprocessing: resized to ${size || 'its input size'} and its pixel values scaled. The first layer reads exactly these numbers.`
      : `Once you pick an image (step 1), it appears here as the network sees it: resized to ${size || 'its input size'} and its pixel values scaled.`,
    target: '[data-tour="input-card"]',
  })

  const conv = list.find(isConv)
  if (conv) {
    const c = conv.config || {}
    const filters = c.filters ?? channels(conv.output_shape)
    const inC = channels(inputOf(list, conv)?.output_shape) ?? (inputShape ? channels(inputShape) : null)
    const across = inC > 1 ? `, across all ${inC} input channels` : ''
    steps.push({
      id: 'conv',
      title: `${conv.name}: a convolution`,
      text:
        `This layer has ${filters} filters of ${kernelText(c.kernel_size)}, and each gives one map: ${shapeText(conv.output_shape)} in all. ` +
        `A filter is a small grid of learned weights that slides over the image${across}, multiplying and adding at every position; its map is blue where its pattern is found.`,
      // this layer's own panel: never the one left open from before (another layer's)
      target: `[data-testid="layer-panel"][data-layer="${cssString(conv.name)}"]`,
      layer: conv.name,
      openLayer: true,
    })

    // the activation: fused into the conv (activation: "relu") or a layer of its own after it
    const after = list.slice(list.indexOf(conv) + 1)
    const fused = c.activation && c.activation !== 'linear' ? c.activation : null
    const nextConv = after.findIndex(isConv)
    const before = nextConv === -1 ? after : after.slice(0, nextConv)
    const act = fused ? null : before.find(isActivation)
    const norm = fused ? null : before.find((l) => isNorm(l) && (!act || list.indexOf(l) < list.indexOf(act)))
    if (fused) {
      const relu = /relu/i.test(fused)
      steps.push({
        id: 'activation',
        title: relu ? 'ReLU, built into the convolution' : `${fused}, built into the convolution`,
        text: relu
          ? `In this network ${conv.name} applies ReLU itself, so there is no separate ReLU layer: every negative value becomes 0 and only the patterns that were found pass on.`
          : `In this network ${conv.name} applies the ${fused} function itself to every value, so there is no separate activation layer.`,
        target: rowSelector(conv.name),
        layer: conv.name,
      })
    } else if (act) {
      const relu = /relu/i.test(act.type)
      const normText = norm ? `First ${norm.name} rescales each channel to a steady range; then ` : ''
      steps.push({
        id: 'activation',
        title: `${act.name}: ${relu ? 'ReLU' : act.type}`,
        text: relu
          ? `${normText}${norm ? act.name : `${act.name} (a ReLU layer)`} turns every negative value into 0, so only the patterns that were found pass on. Compare its maps with the layer before: the red is gone.`
          : `${normText}${act.name} bends every value on its own with a fixed function, so the network can learn more than straight-line rules.`,
        target: rowSelector(act.name),
        layer: act.name,
      })
    }
  }

  const pool = list.find(isPool)
  if (pool) {
    const from = inputOf(list, pool)?.output_shape
    const a = dims(from)
    const b = dims(pool.output_shape)
    const halves = a.length >= 2 && b.length >= 2 && Math.floor(a[0] / 2) === b[0] && Math.floor(a[1] / 2) === b[1]
    const how = /max/i.test(pool.type) ? 'keeps only the strongest value' : 'keeps the average'
    const window = kernelText(pool.config?.pool_size)
    const c = channels(pool.output_shape)
    steps.push({
      id: 'pool',
      title: `${pool.name}: pooling`,
      text:
        `This layer ${halves ? 'halves the size' : 'shrinks each map'}: ${mapSize(from)} → ${mapSize(pool.output_shape)}. ` +
        `It ${how} in each ${window} window${c ? `; there are still ${c} maps` : ''}, just smaller.`,
      target: rowSelector(pool.name),
      layer: pool.name,
    })
  }

  // flatten or global average pooling, then the dense layer that decides the class
  const squash = list.find((l) => isFlatten(l) || isGlobalPool(l))
  const dense = [...list].reverse().find(isDense)
  if (squash || dense) {
    const parts = []
    if (squash && isFlatten(squash)) {
      const from = inputOf(list, squash)?.output_shape
      parts.push(
        `${squash.name} lays the ${shapeText(from)} values out in one row of ${fmt(count(squash.output_shape))} numbers.`,
      )
    } else if (squash) {
      const avg = /avg|average/i.test(squash.type)
      parts.push(
        `${squash.name} sums each of the ${fmt(count(squash.output_shape))} maps up into one number: its ${avg ? 'average' : 'strongest value'}.`,
      )
    }
    if (dense) {
      const units = dense.config?.units ?? count(dense.output_shape)
      const softmax = dense.config?.activation === 'softmax'
      parts.push(
        `${dense.name} (a dense layer) weighs all of ${squash ? 'them' : 'the values before it'} and adds them up into ${fmt(units)} scores, one per class` +
          (softmax ? ', then turns them into probabilities.' : '.'),
      )
    }
    steps.push({
      id: 'dense',
      title:
        squash && isFlatten(squash) ? 'Flatten, then dense' : squash ? 'Global pooling, then dense' : 'The dense layer',
      text: parts.join(' '),
      target: rowSelector((squash || dense).name),
      layer: (squash || dense).name,
    })
  }

  steps.push({
    id: 'prediction',
    title: 'The prediction',
    text: hasInput
      ? "Each bar is the network's probability for one class. The highest bar is the answer; the probabilities add up to 1 (100%)."
      : 'Once you pick an image, one bar per class appears here. The highest bar is the answer; the probabilities add up to 1 (100%).',
    target: '[data-tour="prediction"]',
    // the answer is read against the image: the card must leave the Input card in view
    avoid: '[data-tour="input-card"]',
  })

  return steps
}
