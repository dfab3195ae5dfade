/** The evaluation, embedding and top-activation endpoints, through the one API client. */
import { api, request, withQuery } from '@/api/client'
import { parseNpy } from '@/api/npy'

const enc = encodeURIComponent

/** ?key=value&… from the defined, non-null entries. */
export function queryString(params = {}) {
  const parts = Object.entries(params)
    .filter(([, v]) => v !== null && v !== undefined && v !== '')
    .map(([k, v]) => `${enc(k)}=${enc(String(v))}`)
  return parts.length ? `?${parts.join('&')}` : ''
}

export const evaluateApi = {
  createEvaluation: (network, opts) =>
    request('/api/evaluations/', { method: 'POST', json: { network: Number(network) }, ...opts }),
  evaluation: (id, opts) => request(`/api/evaluations/${enc(id)}/`, opts),
  /** @param {{true?: number, predicted?: number, misclassified?: 0|1, offset?: number, limit?: number}} filters */
  examples: (id, filters, opts) => request(`/api/evaluations/${enc(id)}/examples/${queryString(filters)}`, opts),
  example: (id, index, opts) => request(`/api/evaluations/${enc(id)}/examples/${enc(index)}/`, opts),

  createEmbedding: (body, opts) => request('/api/embeddings/', { method: 'POST', json: body, ...opts }),
  embedding: (id, opts) => request(`/api/embeddings/${enc(id)}/`, opts),

  createTopActivations: (body, opts) => request('/api/top-activations/', { method: 'POST', json: body, ...opts }),
  topActivations: (id, opts) => request(`/api/top-activations/${enc(id)}/`, opts),

  /** a .npy artifact → {shape, data} */
  npy: async (url, dtype, opts) => parseNpy(await api.binary(dtype ? withQuery(url, 'dtype', dtype) : url, opts)),
}

/** The dataset's own PNG of one test image (for points of the scatter, which carry no URL). */
export const sampleImageUrl = (dataset, index) => `/api/datasets/${enc(dataset)}/samples/${enc(index)}/image/`
