import { describe, expect, it } from 'vitest'
import { isRetryable, uploadInChunks } from '../chunked-upload'

/** A server in memory that keeps what it was sent, like /api/uploads/model-chunks/. */
function fakeServer({ dropAt = [] } = {}) {
  const state = { received: [], offset: 0, puts: [] }
  const drops = new Set(dropAt)
  return {
    state,
    open: async (name, size) => ({ id: 'u1', offset: 0, size, chunk_bytes: 4 }),
    status: async () => ({ offset: state.offset }),
    put: async (id, blob, start, total) => {
      state.puts.push(start)
      if (start !== state.offset) throw Object.assign(new Error('out of step'), { status: 409 })
      const bytes = new Uint8Array(await blob.arrayBuffer())
      if (drops.has(start)) {
        drops.delete(start)
        throw Object.assign(new Error('Cannot reach the server'), { status: 0 })
      }
      state.received.push(...bytes)
      state.offset = start + bytes.length
      return { offset: state.offset, complete: state.offset === total }
    },
  }
}

const file = (n) => Object.assign(new Blob([new Uint8Array(n).map((_, i) => i)]), { name: 'net.keras' })

describe('uploadInChunks', () => {
  it('sends every chunk in order, reporting progress', async () => {
    const server = fakeServer()
    const progress = []
    const id = await uploadInChunks(file(10), server, { onProgress: (f) => progress.push(f), chunkBytes: 8 })
    expect(id).toBe('u1')
    expect(server.state.puts).toEqual([0, 4, 8]) // the server's chunk_bytes (4) wins over 8
    expect(server.state.received).toEqual([...Array(10).keys()])
    expect(progress.at(-1)).toBe(1)
  })

  it('resumes from the server offset after a dropped connection', async () => {
    const server = fakeServer({ dropAt: [4] })
    await uploadInChunks(file(10), server, { delays: [0, 0] })
    expect(server.state.puts).toEqual([0, 4, 4, 8])
    expect(server.state.received).toEqual([...Array(10).keys()])
  })

  it('gives up after its retries and never retries a refusal', async () => {
    const server = fakeServer({ dropAt: [0] })
    await expect(uploadInChunks(file(10), server, { delays: [] })).rejects.toThrow('Cannot reach')
    expect(isRetryable({ status: 413 })).toBe(false)
    expect(isRetryable({ status: 409 })).toBe(true)
    expect(isRetryable({ name: 'AbortError' })).toBe(false)
  })
})
