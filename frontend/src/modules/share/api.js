import { request } from '@/api/client'

const enc = encodeURIComponent

/** Share links (owner side) and what a link shows (visitor side, no login). */
export const shareApi = {
  /** @param {{analysis?: number, lesson?: number}} target */
  links: (target, opts) => {
    const key = target.lesson ? 'lesson' : 'analysis'
    return request(`/api/share-links/?${key}=${enc(target[key])}`, opts)
  },
  /** @param {{analysis?: number, lesson?: number, expires_in_days?: number}} body */
  create: (body, opts) => request('/api/share-links/', { method: 'POST', json: body, ...opts }),
  revoke: (id, opts) => request(`/api/share-links/${enc(id)}/revoke/`, { method: 'POST', ...opts }),

  // a visitor: never sent to the login page (a broken link says so in words)
  shared: (token, opts) => request(`/api/shared/${enc(token)}/`, { authRedirect: false, ...opts }),
  get: (url, opts) => request(url, { authRedirect: false, ...opts }),
}

/** Expiry choices of the share dialog (days; null = never). */
export const EXPIRY_CHOICES = [
  { days: 7, label: '7 days' },
  { days: 1, label: '1 day' },
  { days: 30, label: '30 days' },
  { days: null, label: 'Never' },
]

/** "in 3 days" / "on 4 Dec 2026" / "never": when a link stops working. */
export function expiryText(expiresAt, now = Date.now()) {
  if (!expiresAt) return 'never expires'
  const t = new Date(expiresAt).getTime()
  const days = Math.round((t - now) / 86_400_000)
  const date = new Date(expiresAt).toLocaleDateString(undefined, { day: 'numeric', month: 'short', year: 'numeric' })
  if (t <= now) return `expired ${date}`
  if (days <= 1) return 'expires within a day'
  return `expires in ${days} days (${date})`
}
