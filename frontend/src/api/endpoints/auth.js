/** Signing in and out, and the account requests (sign-up, password change and reset). */
import { request } from '@/api/client'

// The sign-in requests answer 401/403 in words on the login page: never a redirect to it.
const quiet = { authRedirect: false }

export const authApi = {
  me: () => request('/api/auth/me/', quiet),
  login: (username, password) =>
    request('/api/auth/login/', { method: 'POST', json: { username, password }, ...quiet }),
  logout: () => request('/api/auth/logout/', { method: 'POST', ...quiet }),
  /** 201 → the `me` payload (signed in); 202 → `{detail}` (waiting for approval). */
  signup: (username, email, password) =>
    request('/api/auth/signup/', { method: 'POST', json: { username, email, password }, ...quiet }),
  changePassword: (oldPassword, newPassword) =>
    request('/api/auth/password/change/', {
      method: 'POST',
      json: { old_password: oldPassword, new_password: newPassword },
    }),
  requestReset: (email) => request('/api/auth/password/reset/', { method: 'POST', json: { email }, ...quiet }),
  confirmReset: (uid, token, newPassword) =>
    request('/api/auth/password/reset/confirm/', {
      method: 'POST',
      json: { uid, token, new_password: newPassword },
      ...quiet,
    }),
}
