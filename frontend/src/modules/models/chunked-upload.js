/**
 * Sending a large file in chunks, resuming after a dropped connection: the server's offset is the truth, so after
 * any failed chunk the client asks for it and carries on from there (a chunk the server already has is not resent).
 */

export const CHUNK_BYTES = 8 * 1024 * 1024
const RETRY_DELAYS_MS = [500, 1000, 2000, 4000, 8000]

const sleep = (ms, signal) =>
  new Promise((resolve, reject) => {
    const timer = setTimeout(resolve, ms)
    signal?.addEventListener(
      'abort',
      () => {
        clearTimeout(timer)
        reject(new DOMException('Upload cancelled', 'AbortError'))
      },
      { once: true },
    )
  })

/** A failure worth retrying: no answer (a dropped connection), out of step (409), or the server busy (5xx). */
export function isRetryable(error) {
  if (error?.name === 'AbortError') return false
  const status = error?.status ?? 0
  return status === 0 || status === 409 || status >= 500
}

/**
 * Upload `file` through `api` ({open, status, put}); the upload's id once every byte has arrived.
 * @param {File|Blob & {name: string}} file
 * @param {{open: Function, status: Function, put: Function}} api
 * @param {{onProgress?: (fraction: number) => void, signal?: AbortSignal, chunkBytes?: number, delays?: number[]}} [opts]
 */
export async function uploadInChunks(file, api, { onProgress, signal, chunkBytes = CHUNK_BYTES, delays } = {}) {
  const waits = delays || RETRY_DELAYS_MS
  const opened = await api.open(file.name, file.size, { signal })
  const size = Math.min(chunkBytes, opened.chunk_bytes || chunkBytes)
  let offset = opened.offset || 0
  let failures = 0
  onProgress?.(offset / file.size)
  while (offset < file.size) {
    const end = Math.min(offset + size, file.size)
    try {
      const answer = await api.put(opened.id, file.slice(offset, end), offset, file.size, { signal })
      offset = answer.offset
      failures = 0
      onProgress?.(offset / file.size)
    } catch (error) {
      if (!isRetryable(error) || failures >= waits.length) throw error
      await sleep(waits[failures], signal)
      failures += 1
      // where the server is, whatever happened to the chunk in flight
      offset = (await api.status(opened.id, { signal })).offset
      onProgress?.(offset / file.size)
    }
  }
  return opened.id
}
