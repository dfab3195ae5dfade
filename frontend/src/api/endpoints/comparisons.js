/** Comparisons of two networks (or two epochs of one): on the test split, or layer by layer (CKA). */
import { request } from '@/api/client'
import { enc, queryString } from './query'

export const comparisonsApi = {
  /** @param {{kind: 'test-split'|'layer-similarity', network_a: number, network_b: number, epoch_a?: number, epoch_b?: number, images?: number}} body */
  create: (body, opts) => request('/api/comparisons/', { method: 'POST', json: body, ...opts }),
  get: (id, opts) => request(`/api/comparisons/${enc(id)}/`, opts),
  /** The images behind a change in confusion cell (true, predicted). */
  examples: (id, filters, opts) => request(`/api/comparisons/${enc(id)}/examples/${queryString(filters)}`, opts),
}
