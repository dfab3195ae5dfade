/**
 * Top-activating examples: which layers can be asked, and where a receptive-field box falls on a
 * thumbnail.
 */

/**
 * Layers with a spatial H×W×C output before the first Flatten / Global* layer (Dropout left out:
 * it repeats the layer before it). The default is the last convolution.
 */
export function spatialLayers(layers = []) {
  const out = []
  for (const l of layers) {
    const t = String(l.type || '')
    if (t === 'Flatten' || t.startsWith('Global')) break
    if (t.startsWith('Dropout') || t === 'InputLayer') continue
    const s = l.output_shape || []
    const shape = s.length === 4 ? s.slice(1) : s
    if (shape.length === 3 && shape[0] >= 1 && shape[1] >= 1) out.push(l)
  }
  return out
}

export function defaultSpatialLayer(layers = []) {
  const usable = spatialLayers(layers)
  const convs = usable.filter((l) => /Conv/.test(String(l.type)))
  const pick = convs.length ? convs[convs.length - 1] : usable[usable.length - 1]
  return pick ? pick.name : null
}

/**
 * The receptive-field box [top, left, bottom, right] (input pixels, bottom/right exclusive) as CSS
 * percentages of the image, clipped to the image.
 * @param {number[]} box
 * @param {number} height input height in pixels
 * @param {number} width input width in pixels
 */
export function boxPercent(box, height, width) {
  if (!box || box.length !== 4 || !(height > 0) || !(width > 0)) return null
  const clip = (v, hi) => Math.max(0, Math.min(hi, v))
  const top = clip(box[0], height),
    left = clip(box[1], width)
  const bottom = clip(box[2], height),
    right = clip(box[3], width)
  if (bottom <= top || right <= left) return null
  const pct = (v, total) => `${((v / total) * 100).toFixed(3).replace(/\.?0+$/, '')}%`
  return {
    top: pct(top, height),
    left: pct(left, width),
    width: pct(right - left, width),
    height: pct(bottom - top, height),
  }
}

/** The same box in CSS pixels for a thumbnail of `px` × `px` showing an H × W image. */
export function boxPixels(box, height, width, px) {
  if (!box || box.length !== 4) return null
  const sy = px / height,
    sx = px / width
  const top = Math.max(0, box[0]) * sy,
    left = Math.max(0, box[1]) * sx
  const bottom = Math.min(height, box[2]) * sy,
    right = Math.min(width, box[3]) * sx
  if (bottom <= top || right <= left) return null
  return { top, left, width: right - left, height: bottom - top }
}
