/**
 * Minimal parser for NumPy `.npy` files (format versions 1.0, 2.0 and 3.0).
 *
 * Supported dtypes: little-endian float32 (`<f4`), float16 (`<f2`, widened to float32),
 * float64 (`<f8`), uint8 (`|u1`), int32 (`<i4`) and int64 (`<i8`); C order only.
 * Everything is returned as `{shape, data: Float32Array, dtype}`.
 * Format spec: https://numpy.org/doc/stable/reference/generated/numpy.lib.format.html
 */

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59] // \x93NUMPY

/** float16 bits → number (handles subnormals, ±Inf, NaN). */
export function halfToFloat(h) {
  const sign = h & 0x8000 ? -1 : 1
  const exp = (h >> 10) & 0x1f
  const frac = h & 0x03ff
  if (exp === 0) return sign * frac * 2 ** -24 // subnormal (and ±0)
  if (exp === 0x1f) return frac ? NaN : sign * Infinity
  return sign * (1 + frac / 1024) * 2 ** (exp - 15)
}

// All 65536 float16 values, built on first use: widening is then one table look-up per value.
let HALF_TABLE = null
function halfTable() {
  if (!HALF_TABLE) {
    HALF_TABLE = new Float32Array(65536)
    for (let h = 0; h < 65536; h++) HALF_TABLE[h] = halfToFloat(h)
  }
  return HALF_TABLE
}

function parseHeader(text) {
  const descr = /'descr'\s*:\s*'([^']+)'/.exec(text)
  const fortran = /'fortran_order'\s*:\s*(True|False)/.exec(text)
  const shape = /'shape'\s*:\s*\(([^)]*)\)/.exec(text)
  if (!descr || !fortran || !shape) throw new Error('Not a valid .npy header: ' + text.trim())
  const dims = shape[1]
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)
    .map((s) => {
      const n = Number(s.replace(/L$/, ''))
      if (!Number.isInteger(n) || n < 0) throw new Error('Bad .npy shape: ' + shape[1])
      return n
    })
  return { descr: descr[1], fortranOrder: fortran[1] === 'True', shape: dims }
}

/**
 * @param {ArrayBuffer | ArrayBufferView} input
 * @returns {{shape: number[], data: Float32Array, dtype: string}}
 */
export function parseNpy(input) {
  const bytes =
    input instanceof ArrayBuffer
      ? new Uint8Array(input)
      : new Uint8Array(input.buffer, input.byteOffset, input.byteLength)
  if (bytes.length < 10 || MAGIC.some((b, i) => bytes[i] !== b)) throw new Error('Not a .npy file (bad magic).')
  const major = bytes[6]
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  let headerLen
  let headerStart
  if (major === 1) {
    headerLen = view.getUint16(8, true)
    headerStart = 10
  } else if (major === 2 || major === 3) {
    headerLen = view.getUint32(8, true)
    headerStart = 12
  } else {
    throw new Error(`Unsupported .npy format version ${major}.${bytes[7]}.`)
  }
  const headerBytes = bytes.subarray(headerStart, headerStart + headerLen)
  const text = new TextDecoder(major === 3 ? 'utf-8' : 'latin1').decode(headerBytes)
  const { descr, fortranOrder, shape } = parseHeader(text)
  if (fortranOrder) throw new Error('Fortran-ordered .npy arrays are not supported.')

  const count = shape.reduce((a, b) => a * b, 1)
  const offset = headerStart + headerLen
  const kind = descr.replace(/^[<|=]/, '')
  if (descr.startsWith('>') && !/^>[ub]1$/.test(descr))
    throw new Error(`Big-endian .npy data (${descr}) is not supported.`)

  const itemSize = { f4: 4, f2: 2, f8: 8, u1: 1, b1: 1, i4: 4, i8: 8 }[kind.replace(/^>/, '')]
  if (!itemSize) throw new Error(`Unsupported .npy dtype ${descr}.`)
  if (bytes.length - offset < count * itemSize) throw new Error('Truncated .npy file.')

  // copy the payload to a fresh, aligned buffer (typed arrays need aligned offsets)
  const raw = bytes.slice(offset, offset + count * itemSize).buffer
  let data
  switch (kind.replace(/^>/, '')) {
    case 'f4':
      data = new Float32Array(raw)
      break
    case 'f2': {
      const h = new Uint16Array(raw)
      data = new Float32Array(count)
      const table = halfTable()
      for (let i = 0; i < count; i++) data[i] = table[h[i]]
      break
    }
    case 'f8':
      data = Float32Array.from(new Float64Array(raw))
      break
    case 'u1':
    case 'b1':
      data = Float32Array.from(new Uint8Array(raw))
      break
    case 'i4':
      data = Float32Array.from(new Int32Array(raw))
      break
    case 'i8': {
      const src = new BigInt64Array(raw)
      data = new Float32Array(count)
      for (let i = 0; i < count; i++) data[i] = Number(src[i])
      break
    }
  }
  return { shape, data, dtype: descr }
}
