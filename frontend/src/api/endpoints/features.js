/** Per-filter computations on a network: filter rankings and feature visualisations. */
import { request } from '@/api/client'
import { enc } from './query'

export const filterRankingsApi = {
  /** The rankings stored for a network (finished or not). */
  list: (network, opts) => request(`/api/filter-rankings/?network=${enc(network)}`, opts),
  create: (body, opts) => request('/api/filter-rankings/', { method: 'POST', json: body, ...opts }),
  get: (id, opts) => request(`/api/filter-rankings/${enc(id)}/`, opts),
}

export const featureVisApi = {
  create: (body, opts) => request('/api/feature-vis/', { method: 'POST', json: body, ...opts }),
  get: (id, opts) => request(`/api/feature-vis/${enc(id)}/`, opts),
}
