/** Share links (the owner's side) and what a link shows (a visitor's side, no login). */
import { request } from '@/api/client'
import { enc } from './query'

export const sharesApi = {
  /** @param {{analysis?: number, lesson?: number}} target */
  links: (target, opts) => {
    const key = target.lesson ? 'lesson' : 'analysis'
    return request(`/api/share-links/?${key}=${enc(target[key])}`, opts)
  },
  /** @param {{analysis?: number, lesson?: number, expires_in_days?: number}} body */
  create: (body, opts) => request('/api/share-links/', { method: 'POST', json: body, ...opts }),
  revoke: (id, opts) => request(`/api/share-links/${enc(id)}/revoke/`, { method: 'POST', ...opts }),

  // a visitor is never sent to the login page: a broken link says so in words
  shared: (token, opts) => request(`/api/shared/${enc(token)}/`, { authRedirect: false, ...opts }),
  /** A URL the shared payload itself gave (its analysis, its network). */
  follow: (url, opts) => request(url, { authRedirect: false, ...opts }),
}
