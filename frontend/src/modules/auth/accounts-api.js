import { request } from '@/api/client'

/** Account requests that are not part of signing in (kept beside the views that use them). */
export const accountsApi = {
  /** 201 → the `me` payload (signed in); 202 → `{detail}` (waiting for approval). */
  signup: (username, email, password) =>
    request('/api/auth/signup/', { method: 'POST', json: { username, email, password }, authRedirect: false }),
  changePassword: (oldPassword, newPassword) =>
    request('/api/auth/password/change/', {
      method: 'POST',
      json: { old_password: oldPassword, new_password: newPassword },
    }),
  requestReset: (email) =>
    request('/api/auth/password/reset/', { method: 'POST', json: { email }, authRedirect: false }),
  confirmReset: (uid, token, newPassword) =>
    request('/api/auth/password/reset/confirm/', {
      method: 'POST',
      json: { uid, token, new_password: newPassword },
      authRedirect: false,
    }),
}
