/** Dataset-level views: the evaluation (accuracy, confusion), its examples, embeddings, top activations. */
import { request } from '@/api/client'
import { enc, queryString } from './query'

export const evaluationsApi = {
  create: (network, opts) =>
    request('/api/evaluations/', { method: 'POST', json: { network: Number(network) }, ...opts }),
  get: (id, opts) => request(`/api/evaluations/${enc(id)}/`, opts),
  /** @param {{true?: number, predicted?: number, misclassified?: 0|1, offset?: number, limit?: number}} filters */
  examples: (id, filters, opts) => request(`/api/evaluations/${enc(id)}/examples/${queryString(filters)}`, opts),
  example: (id, index, opts) => request(`/api/evaluations/${enc(id)}/examples/${enc(index)}/`, opts),
}

export const embeddingsApi = {
  create: (body, opts) => request('/api/embeddings/', { method: 'POST', json: body, ...opts }),
  get: (id, opts) => request(`/api/embeddings/${enc(id)}/`, opts),
}

export const topActivationsApi = {
  create: (body, opts) => request('/api/top-activations/', { method: 'POST', json: body, ...opts }),
  get: (id, opts) => request(`/api/top-activations/${enc(id)}/`, opts),
}
