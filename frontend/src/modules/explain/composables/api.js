/** The explanation endpoints, through the one API client (session cookie, CSRF, plain errors). */
import { api, request, withQuery } from '@/api/client'
import { parseNpy } from '@/api/npy'

const enc = encodeURIComponent

export const explainApi = {
  methods: (opts) => request('/api/attribution-methods/', opts),
  create: (kind, body, opts) =>
    request(kind === 'trust' ? '/api/trust-checks/' : '/api/explanations/', { method: 'POST', json: body, ...opts }),
  get: (kind, id, opts) =>
    request(kind === 'trust' ? `/api/trust-checks/${enc(id)}/` : `/api/explanations/${enc(id)}/`, opts),
  /** a .npy artifact → {shape, data} */
  npy: async (url, dtype = 'float32', opts) => parseNpy(await api.binary(withQuery(url, 'dtype', dtype), opts)),
}
