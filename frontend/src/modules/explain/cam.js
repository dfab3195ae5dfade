/**
 * Layers Grad-CAM can use, pure: spatial outputs (H×W×C with H, W > 1) before the first Flatten
 * or Global* layer; the default is the last of them that is not a Dropout.
 */
export function camLayers(layers = []) {
  const out = []
  for (const l of layers) {
    const t = String(l.type || '')
    if (t === 'Flatten' || t.startsWith('Global')) break
    const s = l.output_shape || []
    const shape = s.length === 4 ? s.slice(1) : s
    if (shape.length === 3 && shape[0] > 1 && shape[1] > 1) out.push(l)
  }
  return out
}

export function defaultCamLayer(layers = []) {
  const usable = camLayers(layers).filter((l) => !String(l.type).startsWith('Dropout'))
  return usable.length ? usable[usable.length - 1].name : null
}

/** Only the CAM methods take a layer. */
export function methodUsesLayer(method) {
  return !!method?.uses_layer
}
