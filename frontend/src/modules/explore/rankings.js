/**
 * The filter rankings stored for a network, asked for once: opening layer after layer, or going
 * back and forward, sends no new request. A ranking that finishes makes the next look-up ask again.
 */
import { request } from '@/api/client'

const STORED = new Map() // network id → Promise<list of rankings>

export function storedRankings(network) {
  const key = String(network)
  if (!STORED.has(key)) {
    const promise = request(`/api/filter-rankings/?network=${encodeURIComponent(key)}`)
    promise.catch(() => STORED.delete(key))
    STORED.set(key, promise)
  }
  return STORED.get(key)
}

export function forgetRankings(network) {
  STORED.delete(String(network))
}
