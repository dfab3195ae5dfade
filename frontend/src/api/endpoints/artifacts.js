/** Binary artifacts a finished job points at (URLs come from the API's answers, never built here). */
import { request, withQuery } from '@/api/client'
import { parseNpy } from '@/api/npy'

export const artifactsApi = {
  /** Fetch a binary artifact (e.g. a layer's .npy or an activation bundle) as an ArrayBuffer. */
  binary: (url, opts) => request(url, { responseType: 'arrayBuffer', ...opts }),
  /** A .npy artifact → {shape, data}; `dtype` asks the server for float16 / float32 (null: as stored). */
  npy: async (url, dtype, opts) =>
    parseNpy(await artifactsApi.binary(dtype ? withQuery(url, 'dtype', dtype) : url, opts)),
}
