/**
 * The overview's layer previews (GET /api/analyses/{id}/previews/, worker/techniques/previews.py):
 * the CSB1 layout of ./bundle.js whose header entries also carry scale [lo, hi], shape (the full
 * layer's) and channels (K); each part a uint8 .npy, h×w×K (a vector layer 1×n×1), value =
 * lo + q / 255 × (hi − lo).
 */
import { parseNpy } from './npy'

const MAGIC = [0x43, 0x53, 0x42, 0x31] // "CSB1"

/** The dequantised values of one uint8 part. */
export function dequantise(q, [lo, hi]) {
  const out = new Float32Array(q.length)
  const step = (hi - lo) / 255
  for (let i = 0; i < q.length; i++) out[i] = lo + q[i] * step
  return out
}

/**
 * @param {ArrayBuffer} buffer
 * @returns {{index: number, name: string, fullShape: number[], scale: [number, number], channels: number, shape: number[], data: Float32Array}[]}
 */
export function parsePreviews(buffer) {
  const bytes = new Uint8Array(buffer)
  if (bytes.length < 8 || MAGIC.some((b, i) => bytes[i] !== b)) throw new Error('Not a previews bundle (bad magic).')
  const headerLength = new DataView(buffer).getUint32(4, true)
  const header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + headerLength)))
  const start = 8 + headerLength
  return header.layers.map((item) => {
    const part = bytes.subarray(start + item.offset, start + item.offset + item.length)
    if (part.length !== item.length) throw new Error(`Previews bundle is cut short at ${item.name}.`)
    const { shape, data } = parseNpy(part)
    return {
      index: item.index,
      name: item.name,
      fullShape: item.shape,
      scale: item.scale,
      channels: item.channels,
      shape,
      data: dequantise(data, item.scale),
    }
  })
}

/**
 * Group layer indices into few index ranges [from, to) for the previews endpoint: neighbours
 * closer than `gap` share one request (a few unneeded small layers cost less than a round trip).
 */
export function indexRanges(indices, gap = 3) {
  const sorted = [...new Set(indices)].sort((a, b) => a - b)
  const ranges = []
  for (const i of sorted) {
    const last = ranges[ranges.length - 1]
    if (last && i - last[1] < gap) last[1] = i + 1
    else ranges.push([i, i + 1])
  }
  return ranges
}
