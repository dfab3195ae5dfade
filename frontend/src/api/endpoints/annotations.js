/** Your notes on a network's filters ("useful" / "useless" and a note). */
import { request } from '@/api/client'
import { enc } from './query'

export const annotationsApi = {
  list: (network, opts) => request(`/api/annotations/?network=${enc(network)}`, opts),
  /** Create or update (the server keys an annotation by network, layer and filter). */
  save: (body, opts) => request('/api/annotations/', { method: 'POST', json: body, ...opts }),
  remove: (id, opts) => request(`/api/annotations/${enc(id)}/`, { method: 'DELETE', ...opts }),
  /** A download link (CSV or JSON) of a network's annotations. */
  exportUrl: (network, format) => `/api/annotations/export/?network=${enc(network)}&format=${enc(format)}`,
}
