/** Lessons: lists of steps a teacher writes. */
import { request } from '@/api/client'
import { enc } from './query'

export const lessonsApi = {
  list: (opts) => request('/api/lessons/', opts),
  get: (id, opts) => request(`/api/lessons/${enc(id)}/`, opts),
  create: (body, opts) => request('/api/lessons/', { method: 'POST', json: body, ...opts }),
  update: (id, body, opts) => request(`/api/lessons/${enc(id)}/`, { method: 'PATCH', json: body, ...opts }),
  remove: (id, opts) => request(`/api/lessons/${enc(id)}/`, { method: 'DELETE', ...opts }),
}
