/** Where the transport gets Django's `csrftoken` cookie before its first unsafe request (any GET sets it). */
export const CSRF_BOOTSTRAP_URL = '/api/auth/me/'
