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

/** The keras.applications preprocessing conventions the server knows by name (worker/inputs/input_spec.py PRESETS). */
export const PRESETS = {
  tf: {
    label: 'tf: x / 127.5 − 1, into [−1, 1] (MobileNet, EfficientNet…)',
    scale: '1/127.5',
    mean: '1',
    std: '1',
    channelOrder: 'rgb',
  },
  torch: {
    label: 'torch: x / 255, ImageNet mean and std (DenseNet…)',
    scale: '1/255',
    mean: '0.485, 0.456, 0.406',
    std: '0.229, 0.224, 0.225',
    channelOrder: 'rgb',
  },
  caffe: {
    label: 'caffe: BGR minus the ImageNet means (VGG, ResNet50)',
    scale: '1',
    mean: '103.939, 116.779, 123.68',
    std: '1',
    channelOrder: 'bgr',
  },
}
