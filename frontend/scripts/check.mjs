// Tiny dependency-free checks of the pure modules (npy parser, colour scales): `npm run check`.
import assert from 'node:assert/strict'
import { parseNpy, halfToFloat } from '../src/api/npy.js'
import { activationColor, kernelColor, inputColor, probabilityColor } from '../src/config/color-scales.js'

function npy(descr, shape, payload, major = 1) {
  let header = `{'descr': '${descr}', 'fortran_order': False, 'shape': (${shape.join(', ')}${shape.length === 1 ? ',' : ''}), }`
  const pre = major === 1 ? 10 : 12
  header += ' '.repeat((64 - ((pre + header.length + 1) % 64)) % 64) + '\n'
  const head = new Uint8Array(pre)
  head.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, major, 0])
  const dv = new DataView(head.buffer)
  if (major === 1) dv.setUint16(8, header.length, true)
  else dv.setUint32(8, header.length, true)
  const body = new Uint8Array(payload.buffer, payload.byteOffset, payload.byteLength)
  const out = new Uint8Array(pre + header.length + body.length)
  out.set(head)
  out.set(new TextEncoder().encode(header), pre)
  out.set(body, pre + header.length)
  return out.buffer
}

let r = parseNpy(npy('<f4', [2, 3], new Float32Array([1, -2, 3.5, 0, 5, 6])))
assert.deepEqual(r.shape, [2, 3])
assert.deepEqual([...r.data], [1, -2, 3.5, 0, 5, 6])

r = parseNpy(npy('<f2', [4], new Uint16Array([0x3c00, 0xc000, 0x3555, 0x0001]), 2))
assert.deepEqual(r.data[0], 1)
assert.deepEqual(r.data[1], -2)
assert.ok(Math.abs(r.data[2] - 0.333251953125) < 1e-9)
assert.equal(halfToFloat(0x7c00), Infinity)
assert.equal(r.data[3], 2 ** -24)

r = parseNpy(npy('|u1', [1, 3], new Uint8Array([0, 128, 255]), 3))
assert.deepEqual([...r.data], [0, 128, 255])

r = parseNpy(npy('<i8', [2], new BigInt64Array([-5n, 1234567n])))
assert.deepEqual([...r.data], [-5, 1234567])

r = parseNpy(npy('<f4', [], new Float32Array([7])))
assert.deepEqual(r.shape, [])
assert.deepEqual([...r.data], [7])

assert.throws(() => parseNpy(new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]).buffer), /magic/)

assert.deepEqual(activationColor(0, 1), [255, 255, 255])
assert.ok(activationColor(-1, 1)[0] > activationColor(-1, 1)[2], 'negative is red')
assert.ok(activationColor(1, 1)[2] > activationColor(1, 1)[0], 'positive is blue')
assert.deepEqual(activationColor(-3, 3), activationColor(-1, 1), 'symmetric scaling')
assert.deepEqual(kernelColor(0, 1), [255, 255, 255])
assert.deepEqual(inputColor(1), [255, 255, 255])
assert.deepEqual(inputColor(0), [0, 0, 0])
assert.ok(probabilityColor(1)[0] < probabilityColor(0)[0])
console.log('frontend checks: all passed')
