/** Attribution: the methods on offer, explanations (one map) and trust checks (a map put to the test). */
import { request } from '@/api/client'
import { enc } from './query'

const BASE = { map: '/api/explanations/', trust: '/api/trust-checks/' }

export const explanationsApi = {
  methods: (opts) => request('/api/attribution-methods/', opts),
  /** @param {'map'|'trust'} kind */
  create: (kind, body, opts) => request(BASE[kind], { method: 'POST', json: body, ...opts }),
  get: (kind, id, opts) => request(`${BASE[kind]}${enc(id)}/`, opts),
}
