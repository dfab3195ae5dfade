/**
 * The filter rankings stored for a network, asked for once: opening layer after layer, or going
 * back and forward, sends no new request. A ranking that finishes makes the next look-up ask again.
 * They are a user's results: forgotten when the session ends.
 */
import { filterRankingsApi } from '@/api/endpoints/features'
import { sessionCache, sessionEpoch } from '@/lib/session-caches'

const STORED = sessionCache('filter-rankings') // network id → Promise<list of rankings>

export function storedRankings(network) {
  const key = String(network)
  if (!STORED.has(key)) {
    const askedIn = sessionEpoch()
    const promise = filterRankingsApi.list(key)
    promise.catch(() => STORED.get(key) === promise && STORED.delete(key))
    STORED.set(key, promise, askedIn)
    return promise
  }
  return STORED.get(key)
}

export function forgetRankings(network) {
  STORED.delete(String(network))
}
