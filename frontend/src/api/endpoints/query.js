/** URL pieces shared by the endpoint modules. */

export const enc = encodeURIComponent

/** ?key=value&… from the defined, non-null, non-empty entries ('' when none). */
export function queryString(params = {}) {
  const parts = Object.entries(params)
    .filter(([, v]) => v !== null && v !== undefined && v !== '')
    .map(([k, v]) => `${enc(k)}=${enc(String(v))}`)
  return parts.length ? `?${parts.join('&')}` : ''
}
