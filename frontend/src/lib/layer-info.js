/** Layer helpers for the Explore overview: shapes, plain-language descriptions. */

/**
 * How to draw an activation array: channels-last maps or a 1-row strip.
 * Drops a leading batch dimension of 1 ([1,H,W,C] → [H,W,C], [1,N] → [N]).
 * @param {number[]} shape
 * @returns {{kind: 'maps', h: number, w: number, c: number} | {kind: 'vector', n: number}}
 */
export function mapLayout(shape) {
  let s = [...shape]
  if ((s.length === 4 || s.length === 2) && s[0] === 1) s = s.slice(1)
  if (s.length === 3) return { kind: 'maps', h: s[0], w: s[1], c: s[2] }
  if (s.length === 2) return { kind: 'maps', h: s[0], w: s[1], c: 1 }
  return { kind: 'vector', n: s.reduce((a, b) => a * b, 1) }
}

/** Extract channel c of a channels-last H×W×C array as a row-major H×W Float32Array. */
export function channel(data, { h, w, c }, k) {
  const out = new Float32Array(h * w)
  for (let i = 0; i < h * w; i++) out[i] = data[i * c + k]
  return out
}

/** [null, 26, 26, 10] → "26 × 26 × 10" */
export function formatShape(shape) {
  if (!Array.isArray(shape)) return '–'
  const dims = shape.filter((d) => d !== null && d !== undefined && d !== -1)
  return dims.length ? dims.join(' × ') : '–'
}

/**
 * Plain-language explanations, one per layer type, for someone who has never trained a network.
 * [pattern on the Keras class name, title, short (one or two sentences), more (the detail)]
 * The first match wins, so specific patterns come before general ones.
 */
const EXPLANATIONS = [
  [
    /^input/i,
    'Input',
    'This is your image as the network receives it: resized to the size it was trained on and its pixel values scaled.',
    "Networks only accept images of one size and one value range. ConvScope applies this network's own preprocessing (resize, scale, and subtract a mean / divide by a spread where the network was trained that way), so what you see here is exactly what the first layer reads. Grey images have one channel, colour images three (red, green, blue).",
  ],
  [
    /depthwise/i,
    'Depthwise convolution',
    'This layer slides one small filter over each channel separately, looking for a pattern inside that channel only.',
    'A normal convolution mixes all input channels in every filter; a depthwise one keeps them apart, which needs far fewer numbers. It is usually followed by a 1×1 convolution that mixes the channels.',
  ],
  [
    /separable/i,
    'Separable convolution',
    'This layer looks for patterns in two cheap steps: first within each channel, then mixing channels.',
    'It does the work of a convolution with far fewer weights: a depthwise convolution (one small filter per channel) followed by a pointwise 1×1 convolution that combines the channels.',
  ],
  [
    /transpose|deconv/i,
    'Transposed convolution',
    'This layer makes maps larger, painting a learned pattern around every value.',
    'It is the reverse of a strided convolution: each input value stamps a copy of the kernel, scaled by the value, onto a larger output map. It is used to grow maps back to image size.',
  ],
  [
    /conv/i,
    'Convolution',
    'This layer looks for small patterns (edges, spots, textures). Each map shows where one filter found its pattern: blue where it matched, red where the opposite appeared.',
    'A filter is a small grid of weights (its kernel, shown below). It slides over the input; at each position it multiplies the pixels under it by its weights, adds everything up (over all input channels) and adds a bias. The result is one number per position: one map per filter. The network learned these weights in training. Deeper convolutions combine the patterns of earlier ones into larger ones (a sleeve, a heel).',
  ],
  [
    /leaky/i,
    'Leaky ReLU',
    'This layer keeps positive values and shrinks negative ones to a small fraction.',
    'Like ReLU, but negative values are multiplied by a small slope instead of set to zero, so a little information about them still passes on.',
  ],
  [
    /relu/i,
    'ReLU',
    'This layer keeps the positive values and turns every negative value into zero, so only patterns that were found pass on.',
    'ReLU (rectified linear unit) is max(0, x) applied to every value on its own. Compare its maps with the layer before: red areas have become white. This simple bend is what lets stacked layers learn more than one straight-line rule.',
  ],
  [
    /softmax/i,
    'Softmax',
    'This layer turns the scores into probabilities that add up to 100%.',
    'Each score is raised as a power of e and divided by the sum of all of them, so larger scores get a larger share, and every value ends between 0 and 1.',
  ],
  [
    /^activation|elu|gelu|sigmoid|tanh|swish/i,
    'Activation',
    'This layer bends every value on its own with a fixed function, so the network can learn more than straight-line rules.',
    'An activation function is applied to each value separately (for example ReLU keeps positives, sigmoid squeezes into 0–1). It has no weights to learn.',
  ],
  [
    /global.*max/i,
    'Global max pooling',
    'This layer sums each map up into one number: its strongest value anywhere.',
    'It answers "did this pattern appear anywhere in the image, and how strongly?", whatever its position. The result is one value per channel.',
  ],
  [
    /global/i,
    'Global average pooling',
    'This layer sums each map up into one number: how strongly its pattern appeared on average over the whole image.',
    'It averages every map over all positions, giving one value per channel. The following dense layer decides the class from these averages.',
  ],
  [
    /max.?pool/i,
    'Max pooling',
    'This layer shrinks each map by keeping only the strongest value in each small window.',
    'The map is cut into small windows (often 2×2); each window is replaced by its largest value. The maps become smaller, keep the strongest evidence, and a pattern may move a little without changing the result.',
  ],
  [
    /pool/i,
    'Average pooling',
    'This layer shrinks each map by averaging small windows.',
    'Each small window of the map (often 2×2) is replaced by the average of its values, so the map becomes smaller and smoother.',
  ],
  [
    /batch.?norm/i,
    'Batch normalisation',
    'This layer rescales each channel to a steady range, so the next layer gets values of a similar size every time.',
    'For each channel it subtracts a mean and divides by a spread learned during training, then multiplies by a learned scale and adds a learned shift. At prediction time these are fixed numbers, so it is a per-channel "value × a + b". Its maps often show negative values (red) that the next ReLU removes.',
  ],
  [
    /layer.?norm|group.?norm|normaliz/i,
    'Normalisation',
    'This layer rescales the values to a steady range.',
    'It subtracts a mean and divides by a spread (over the channels or the whole input), then applies a learned scale and shift.',
  ],
  [
    /dropout/i,
    'Dropout',
    'This layer only acts during training; when you make a prediction it passes the values through unchanged.',
    'In training it switched off a random share of the values each time, so the network could not depend on any single one. Its maps here are identical to the layer before.',
  ],
  [
    /flatten/i,
    'Flatten',
    'This layer lays all maps out in one long row, so the next layer can read every value.',
    'Nothing is computed: the values of every position of every channel are written one after another. The next (dense) layer needs a single list of numbers.',
  ],
  [
    /reshape|permute/i,
    'Reshape',
    'This layer rearranges the values into another shape without changing them.',
    'The same numbers, in a different arrangement, so the next layer can read them.',
  ],
  [
    /dense|linear/i,
    'Dense (fully connected)',
    'Every unit in this layer weighs all the values of the layer before and adds them up. In the last layer, each unit gives the score of one class.',
    'Each unit multiplies every input value by its own weight, sums them and adds a bias. A large positive weight means "this input is evidence for me". When the layer ends in softmax, its outputs are the class probabilities you see in the prediction.',
  ],
  [
    /add/i,
    'Add',
    'This layer adds the maps of two or more earlier layers, value by value.',
    'Used in residual networks: a shortcut carries the earlier maps around some layers and adds them back, so each block only needs to learn a correction.',
  ],
  [
    /concat/i,
    'Concatenate',
    'This layer puts the channels of several earlier layers side by side.',
    'Nothing is computed: the maps of the inputs are stacked into one layer with more channels.',
  ],
  [
    /multiply/i,
    'Multiply',
    'This layer multiplies the maps of earlier layers, value by value.',
    'Often used as a gate: one branch decides how much of the other passes.',
  ],
  [
    /padding/i,
    'Padding',
    'This layer adds a border of zeros around each map.',
    'So the next convolution can look at the edge pixels as often as the middle ones and the maps keep their size.',
  ],
  [/crop/i, 'Cropping', 'This layer cuts a border off each map.', 'It removes rows and columns at the edges.'],
  [
    /upsampl/i,
    'Upsampling',
    'This layer makes each map larger by repeating (or interpolating) its values.',
    'Each value is copied into a small block, so the map grows by that factor.',
  ],
  [
    /rescal/i,
    'Rescaling',
    'This layer multiplies every pixel value by a fixed number (and may add one).',
    'It is part of the preprocessing built into the model, for example dividing pixel values by 255.',
  ],
  [
    /resiz/i,
    'Resizing',
    'This layer resizes the image to the size the rest of the network expects.',
    'Part of the preprocessing built into the model.',
  ],
]

/**
 * A short "try this" for a class or a curious reader, by layer type (first match wins), about
 * what to do on the page to see the idea of the layer for themselves; a third entry, when there
 * is one, is for read-only (shared) pages, where the reader cannot draw or upload.
 */
const TRY_THIS = [
  [
    /^input/i,
    'Draw a single stroke on the Draw tab and compare "your image" with what the network sees: it is shrunk to the network\'s size.',
    // a shared, read-only page has no Draw tab
    "Compare the image with what the network sees beside it: it is shrunk to the network's size and its values rescaled.",
  ],
  [
    /conv/i,
    'Draw only a vertical stroke and see which filters light up; then click a map and "Show the arithmetic" to follow one value.',
    'Find the maps that light up (blue) along the edges of the object and those that stay white; then click a map and "Show the arithmetic" to follow one value.',
  ],
  [
    /relu|^activation|elu|gelu|sigmoid|tanh|swish/i,
    'Compare these maps with the layer before: every red (negative) area has turned white. Point at a 0 in "Show the arithmetic" to see what it was.',
  ],
  [
    /global/i,
    'Point at the tallest bar with "Show the arithmetic": it is the average of one whole map of the layer before.',
  ],
  [
    /pool/i,
    'Point at a cell with "Show the arithmetic" and watch the window on the layer before: only its strongest value survives.',
  ],
  [
    /batch.?norm/i,
    'Open "Show the arithmetic" and compare two channels: each has its own four numbers, so the same input can come out very differently.',
  ],
  [
    /flatten/i,
    'Point at value 0, 1, 2 … in "Show the arithmetic": the channel changes first, then the column, then the row.',
  ],
  [
    /dense|linear/i,
    'Point at the winning class and then a losing one with "Show the arithmetic": which inputs push for each?',
  ],
  [/softmax/i, 'Notice how a score only a few points above the others takes almost all of the probability.'],
]
const TRY_FALLBACK =
  'Switch the colour scale to "per map" to see faint channels, or to "whole network" to compare this layer\'s strength with the others.'

const FALLBACK = [
  'Layer',
  'This layer transforms the values of the layer before.',
  'ConvScope has no specific explanation for this layer type yet; its maps below show what it produces from your image.',
]

/**
 * A plain-language explanation of a layer: {title, short, more, facts, tryThis}.
 * `facts` are this layer's own numbers in words ("24 filters of 3×3", "followed by ReLU").
 * @param {{type: string, config?: object, params?: number, output_shape?: number[]}} layer
 * @param {{readOnly?: boolean}} [opts] readOnly: a shared page (no drawing, no upload)
 */
export function explainLayer(layer, { readOnly = false } = {}) {
  const type = layer?.type || ''
  const hit = EXPLANATIONS.find(([re]) => re.test(type))
  const [title, short, more] = hit ? hit.slice(1) : FALLBACK
  const c = layer?.config || {}
  const facts = []
  const dims = (v) => (Array.isArray(v) ? v.join('×') : v)
  if (c.filters) facts.push(`${c.filters} filters of ${dims(c.kernel_size)}`)
  else if (c.kernel_size) facts.push(`kernel ${dims(c.kernel_size)}`)
  if (c.pool_size) facts.push(`window ${dims(c.pool_size)}`)
  if (c.strides && (c.filters || c.pool_size || c.kernel_size)) facts.push(`stride ${dims(c.strides)}`)
  if (c.padding) facts.push(c.padding === 'same' ? 'padding keeps the size' : 'no padding (maps shrink)')
  if (c.units) facts.push(`${c.units} units`)
  if (c.rate !== undefined) facts.push(`drops ${Math.round(c.rate * 100)}% in training`)
  if (c.activation && c.activation !== 'linear') {
    facts.push(
      `then ${c.activation === 'softmax' ? 'softmax (scores → probabilities)' : c.activation === 'relu' ? 'ReLU (negatives → 0)' : c.activation}`,
    )
  }
  if (layer?.params !== undefined && layer?.params !== null)
    facts.push(`${Number(layer.params).toLocaleString('en-US')} learned numbers`)
  const tried = TRY_THIS.find(([re]) => re.test(type)) || [null, TRY_FALLBACK]
  const tryThis = (readOnly && tried[2]) || tried[1]
  return { title, short, more, facts, tryThis }
}

/** One plain sentence about what a layer type does. */
export function describeLayer(type) {
  return explainLayer({ type }).short
}

/** Is this layer drawn as a vector (bars or a strip) rather than maps? */
export function vectorStyle(type, layout) {
  if (layout?.kind !== 'vector') return null
  return /dense|linear|softmax|global/i.test(type || '') || (layout.n || 0) <= 128 ? 'bars' : 'strip'
}
