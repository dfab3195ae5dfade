/**
 * All layers of an analysis in one response (see backend/analyses/bundle.py):
 * "CSB1", a little-endian uint32 N, N bytes of JSON {layers: [{index, name, offset, length}]},
 * then each layer's .npy file back to back (offsets count from the end of the JSON).
 */
import { parseNpy } from './npy'

const MAGIC = [0x43, 0x53, 0x42, 0x31] // "CSB1"

/**
 * @param {ArrayBuffer} buffer
 * @returns {{index: number, name: string, shape: number[], data: Float32Array}[]}
 */
export function parseBundle(buffer) {
  const bytes = new Uint8Array(buffer)
  if (bytes.length < 8 || MAGIC.some((b, i) => bytes[i] !== b)) {
    throw new Error('Not an activation bundle (bad magic).')
  }
  const headerLength = new DataView(buffer).getUint32(4, true)
  const header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + headerLength)))
  const start = 8 + headerLength
  return header.layers.map((item) => {
    const part = bytes.subarray(start + item.offset, start + item.offset + item.length)
    if (part.length !== item.length) throw new Error(`Activation bundle is cut short at ${item.name}.`)
    const { shape, data } = parseNpy(part)
    return { index: item.index, name: item.name, shape, data }
  })
}
