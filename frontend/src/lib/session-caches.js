/**
 * One registry of the caches that hold a signed-in user's data in memory (analyses, explanations,
 * kernels, rankings, annotations, …). When the session ends — log-out, a 401 from the API, or a
 * different user signing in in the same tab — every registered cache is cleared, so the next
 * person at a shared computer is never shown the previous user's results.
 *
 * A cache that fills itself after an `await` checks `sessionEpoch()` before writing: an answer
 * that was asked for in the old session must not land in the new one.
 */

/** @type {Map<string, () => void>} */
const clearers = new Map()
let epoch = 0
/** The id of the user the caches belong to (undefined: not known yet). */
let owner

/**
 * Register how to forget one cache. Registering the same name again replaces the earlier one.
 * @param {string} name
 * @param {() => void} clear
 * @returns {() => void} unregisters it
 */
export function registerSessionCache(name, clear) {
  clearers.set(name, clear)
  return () => {
    if (clearers.get(name) === clear) clearers.delete(name)
  }
}

/** Forget every registered cache (one failing clear does not keep the others). */
export function clearSessionCaches() {
  epoch += 1
  const errors = []
  for (const clear of clearers.values()) {
    try {
      clear()
    } catch (e) {
      errors.push(e)
    }
  }
  if (errors.length) throw new AggregateError(errors, 'Some session caches could not be cleared.')
}

/** Grows by one each time the caches are cleared. */
export function sessionEpoch() {
  return epoch
}

/**
 * Say who is signed in now (null: nobody). A change of user clears every cache; the same user
 * again (a page reload, /me answering again) keeps them.
 * @param {string|number|null} userId
 */
export function setSessionUser(userId) {
  const id = userId ?? null
  if (owner !== undefined && owner !== id) clearSessionCaches()
  owner = id
}

/** The session ended (log-out, or the server said 401): forget everything. */
export function endSession() {
  owner = null
  clearSessionCaches()
}

/** The names of the registered caches (for tests and debugging). */
export function sessionCacheNames() {
  return [...clearers.keys()]
}

/**
 * A Map that forgets its oldest entries beyond `max` and is cleared with the session.
 * `set` takes the epoch the value was asked for in, and drops a value from an ended session.
 * @param {string} name
 * @param {{max?: number}} [opts]
 */
export function sessionCache(name, { max = Infinity } = {}) {
  const map = new Map()
  registerSessionCache(name, () => map.clear())
  return {
    has: (key) => map.has(key),
    get: (key) => map.get(key),
    delete: (key) => map.delete(key),
    keys: () => map.keys(),
    get size() {
      return map.size
    },
    /** @param {number} [askedIn] sessionEpoch() when the value was asked for (default: now) */
    set(key, value, askedIn = epoch) {
      if (askedIn !== epoch) return false
      map.delete(key)
      map.set(key, value)
      while (map.size > max) map.delete(map.keys().next().value)
      return true
    },
  }
}
