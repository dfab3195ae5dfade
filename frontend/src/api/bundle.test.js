import { describe, expect, it } from 'vitest'
import { parseBundle } from './bundle'

/** A minimal little-endian float32 .npy file, as NumPy writes version 1.0. */
function npy(shape, values) {
  let header = `{'descr': '<f4', 'fortran_order': False, 'shape': (${shape.join(', ')}${shape.length === 1 ? ',' : ''}), }`
  const pad = 64 - ((10 + header.length + 1) % 64)
  header = header + ' '.repeat(pad % 64) + '\n'
  const out = new Uint8Array(10 + header.length + values.length * 4)
  out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0], 0)
  new DataView(out.buffer).setUint16(8, header.length, true)
  out.set(new TextEncoder().encode(header), 10)
  new Float32Array(out.buffer, 10 + header.length).set(values)
  return out
}

function bundle(parts) {
  let offset = 0
  const layers = parts.map(([name, bytes], index) => {
    const item = { index, name, offset, length: bytes.length }
    offset += bytes.length
    return item
  })
  const header = new TextEncoder().encode(JSON.stringify({ layers }))
  const out = new Uint8Array(8 + header.length + offset)
  out.set([0x43, 0x53, 0x42, 0x31], 0)
  new DataView(out.buffer).setUint32(4, header.length, true)
  out.set(header, 8)
  let at = 8 + header.length
  for (const [, bytes] of parts) {
    out.set(bytes, at)
    at += bytes.length
  }
  return out.buffer
}

describe('parseBundle', () => {
  it('splits a bundle into its layers with shapes and values', () => {
    const layers = parseBundle(
      bundle([
        ['conv', npy([2, 2, 1], [1, -2, 3, -4])],
        ['dense', npy([3], [0.5, 0.25, 0.25])],
      ]),
    )
    expect(layers.map((l) => l.name)).toEqual(['conv', 'dense'])
    expect(layers[0].shape).toEqual([2, 2, 1])
    expect(Array.from(layers[0].data)).toEqual([1, -2, 3, -4])
    expect(Array.from(layers[1].data)).toEqual([0.5, 0.25, 0.25])
  })

  it('refuses something that is not a bundle', () => {
    expect(() => parseBundle(new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8]).buffer)).toThrow(/bundle/)
  })
})
