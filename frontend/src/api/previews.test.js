import { describe, expect, it } from 'vitest'
import { dequantise, indexRanges, parsePreviews } from './previews'

/** A uint8 .npy part, as NumPy writes it (v1.0 header padded to 64 bytes). */
function npyU8(shape, values) {
  const dict = `{'descr': '|u1', 'fortran_order': False, 'shape': (${shape.join(', ')}${shape.length === 1 ? ',' : ''}), }`
  const pad = 64 - ((10 + dict.length + 1) % 64)
  const header = dict + ' '.repeat(pad % 64) + '\n'
  const out = new Uint8Array(10 + header.length + values.length)
  out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0])
  new DataView(out.buffer).setUint16(8, header.length, true)
  out.set(new TextEncoder().encode(header), 10)
  out.set(values, 10 + header.length)
  return out
}

function bundle(parts) {
  let offset = 0
  const layers = parts.map(({ entry, bytes }) => {
    const item = { ...entry, offset, length: bytes.length }
    offset += bytes.length
    return item
  })
  const header = new TextEncoder().encode(JSON.stringify({ layers }))
  const out = new Uint8Array(8 + header.length + offset)
  out.set([0x43, 0x53, 0x42, 0x31])
  new DataView(out.buffer).setUint32(4, header.length, true)
  out.set(header, 8)
  let at = 8 + header.length
  for (const { bytes } of parts) {
    out.set(bytes, at)
    at += bytes.length
  }
  return out.buffer
}

describe('previews', () => {
  it('decodes parts back to values on the layer’s scale, within one step', () => {
    const q = Uint8Array.from([0, 51, 102, 255, 128, 1])
    const buf = bundle([
      {
        entry: { index: 4, name: 'conv1_conv', scale: [-2, 3], shape: [112, 112, 64], channels: 2 },
        bytes: npyU8([1, 3, 2], q),
      },
      { entry: { index: 9, name: 'fc', scale: [0, 0], shape: [10], channels: 1 }, bytes: npyU8([1, 2, 1], [0, 0]) },
    ])
    const [conv, fc] = parsePreviews(buf)
    expect(conv).toMatchObject({
      index: 4,
      name: 'conv1_conv',
      fullShape: [112, 112, 64],
      channels: 2,
      shape: [1, 3, 2],
    })
    expect(Array.from(conv.data)).toEqual(Array.from(q).map((v) => Math.fround(-2 + (v * 5) / 255)))
    expect(conv.data[0]).toBe(-2)
    expect(conv.data[3]).toBe(3)
    expect(Array.from(fc.data)).toEqual([0, 0])
  })
  it('refuses what is not a bundle', () => {
    expect(() => parsePreviews(new Uint8Array([1, 2, 3, 4, 0, 0, 0, 0]).buffer)).toThrow(/bad magic/)
  })
  it('dequantise maps 0 and 255 to the ends', () => {
    expect(Array.from(dequantise(Uint8Array.from([0, 255]), [-1, 1]))).toEqual([-1, 1])
  })
  it('groups indices into few ranges', () => {
    expect(indexRanges([7, 1, 2, 40, 3, 9])).toEqual([
      [1, 4],
      [7, 10],
      [40, 41],
    ])
    expect(indexRanges([])).toEqual([])
  })
})
