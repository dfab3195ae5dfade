/** What made each filter fire: per-filter guided backpropagation and gradient of a conv layer. */
import { request } from '@/api/client'
import { enc } from './query'

export const filterAttributionsApi = {
  /** @param {{analysis: number, layer: string, rule?: 'max'|'sum'}} body */
  create: (body, opts) => request('/api/filter-attributions/', { method: 'POST', json: body, ...opts }),
  get: (id, opts) => request(`/api/filter-attributions/${enc(id)}/`, opts),
}
