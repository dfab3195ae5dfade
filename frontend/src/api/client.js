/**
 * The one API transport of ConvScope: every request to the Django backend goes through here.
 * The endpoints themselves (URLs, methods, bodies) live in ./endpoints/<resource>.js.
 *
 * - same-origin session cookies (`credentials: 'same-origin'`)
 * - `X-CSRFToken` from Django's `csrftoken` cookie on unsafe methods
 * - 401 → the registered "unauthorized" handler (the router sends the user to /login)
 * - error JSON `{"detail": "..."}` (or DRF field errors) → an ApiError with a plain message
 */

import { CSRF_BOOTSTRAP_URL } from './endpoints/csrf'

const UNSAFE_METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE'])

export class ApiError extends Error {
  /**
   * @param {string} message plain-language message, fit to show to the user
   * @param {{status?: number, data?: any}} [info]
   */
  constructor(message, { status = 0, data = null } = {}) {
    super(message)
    this.name = 'ApiError'
    this.status = status
    this.data = data
  }
}

/** @type {((err: ApiError) => void) | null} */
let unauthorizedHandler = null

/** Register what happens on 401 (set once in main.js, to avoid a router import cycle). */
export function onUnauthorized(handler) {
  unauthorizedHandler = handler
}

/** @param {string} name */
export function getCookie(name) {
  const match = document.cookie.split('; ').find((row) => row.startsWith(name + '='))
  return match ? decodeURIComponent(match.slice(name.length + 1)) : null
}

/** Django sets `csrftoken` on GET /api/auth/me/; make sure we have it before an unsafe request. */
async function ensureCsrfCookie() {
  if (getCookie('csrftoken')) return
  try {
    await fetch(CSRF_BOOTSTRAP_URL, { credentials: 'same-origin', headers: { Accept: 'application/json' } })
  } catch {
    // the real request below reports the network error
  }
}

const DEFAULT_MESSAGES = {
  400: 'The server did not accept this request.',
  401: 'Please sign in to continue.',
  403: 'You do not have access to this. Sign in with an account that does.',
  404: 'This was not found. It may have been deleted, or the link is wrong.',
  413: 'The file is too large for the server.',
  415: 'This file type is not supported.',
  429: 'Too many requests at once. Wait a moment and try again.',
}

/**
 * Turn a status + decoded body into one plain sentence.
 * @param {number} status
 * @param {any} data
 */
export function messageFor(status, data) {
  if (data && typeof data === 'object') {
    if (typeof data.detail === 'string' && data.detail) return data.detail
    if (Array.isArray(data) && typeof data[0] === 'string') return data.join(' ')
    // DRF field errors: {"field": ["msg", ...], "non_field_errors": [...]}
    const parts = []
    for (const [field, value] of Object.entries(data)) {
      const msgs = Array.isArray(value)
        ? value.filter((v) => typeof v === 'string')
        : typeof value === 'string'
          ? [value]
          : []
      if (!msgs.length) continue
      parts.push(field === 'non_field_errors' || field === 'detail' ? msgs.join(' ') : `${field}: ${msgs.join(' ')}`)
    }
    if (parts.length) return parts.join(' ')
  }
  if (DEFAULT_MESSAGES[status]) return DEFAULT_MESSAGES[status]
  if (status >= 500) return 'The server had a problem. Try again in a moment.'
  return `The request failed (HTTP ${status}).`
}

function parseBody(text) {
  if (!text) return null
  try {
    return JSON.parse(text)
  } catch {
    return null
  }
}

function handleAuthFailure(err, authRedirect) {
  // Only 401 means "log in first"; a 403 is a refusal the page shows in words.
  if (err.status === 401 && authRedirect && unauthorizedHandler) {
    unauthorizedHandler(err)
  }
}

/**
 * @param {string} url
 * @param {{method?: string, json?: any, body?: BodyInit, headers?: Record<string,string>,
 *          signal?: AbortSignal, responseType?: 'json'|'arrayBuffer'|'blob', authRedirect?: boolean,
 *          acceptPending?: boolean}} [opts]
 */
export async function request(url, opts = {}) {
  const { method = 'GET', json, body, signal, responseType = 'json', authRedirect = true } = opts
  const headers = { Accept: responseType === 'json' ? 'application/json' : '*/*', ...(opts.headers || {}) }
  let payload = body
  if (json !== undefined) {
    headers['Content-Type'] = 'application/json'
    payload = JSON.stringify(json)
  }
  const upper = method.toUpperCase()
  if (UNSAFE_METHODS.has(upper)) {
    await ensureCsrfCookie()
    const token = getCookie('csrftoken')
    if (token) headers['X-CSRFToken'] = token
  }

  let res
  try {
    res = await fetch(url, { method: upper, credentials: 'same-origin', headers, body: payload, signal })
  } catch (e) {
    if (e && e.name === 'AbortError') throw e
    throw new ApiError('Cannot reach the server. Check your connection and try again.')
  }

  if (!res.ok) {
    const data = parseBody(await res.text().catch(() => ''))
    const err = new ApiError(messageFor(res.status, data), { status: res.status, data })
    handleAuthFailure(err, authRedirect)
    throw err
  }
  if (res.status === 204) return null
  // a resource still being made: {accepted: the JSON body, e.g. {detail, job}} for callers that wait
  if (res.status === 202 && opts.acceptPending) return { accepted: parseBody(await res.text().catch(() => '')) }
  if (responseType === 'arrayBuffer') return res.arrayBuffer()
  if (responseType === 'blob') return res.blob()
  const text = await res.text()
  return text ? JSON.parse(text) : null
}

/**
 * Multipart upload through XMLHttpRequest, because fetch has no upload progress.
 * @param {string} url
 * @param {FormData} form
 * @param {{onProgress?: (fraction: number) => void, signal?: AbortSignal}} [opts]
 */
export async function upload(url, form, { onProgress, signal } = {}) {
  await ensureCsrfCookie()
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest()
    xhr.open('POST', url)
    xhr.withCredentials = false // same origin: cookies are sent anyway
    xhr.setRequestHeader('Accept', 'application/json')
    const token = getCookie('csrftoken')
    if (token) xhr.setRequestHeader('X-CSRFToken', token)
    xhr.upload.onprogress = (e) => {
      if (onProgress && e.lengthComputable) onProgress(e.loaded / e.total)
    }
    xhr.onload = () => {
      const data = parseBody(xhr.responseText)
      if (xhr.status >= 200 && xhr.status < 300) {
        if (onProgress) onProgress(1)
        resolve(data)
        return
      }
      const err = new ApiError(messageFor(xhr.status, data), { status: xhr.status, data })
      handleAuthFailure(err, true)
      reject(err)
    }
    xhr.onerror = () =>
      reject(new ApiError('The upload did not reach the server. Check your connection and try again.'))
    xhr.onabort = () => reject(new DOMException('Upload cancelled', 'AbortError'))
    if (signal) signal.addEventListener('abort', () => xhr.abort(), { once: true })
    xhr.send(form)
  })
}

/** Add or replace one query parameter on a (possibly absolute) URL, keeping it relative if it was. */
export function withQuery(url, key, value) {
  const u = new URL(url, window.location.origin)
  u.searchParams.set(key, value)
  return u.origin === window.location.origin ? u.pathname + u.search : u.toString()
}
