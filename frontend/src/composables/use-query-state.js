/**
 * A page's selection kept in the URL query (a reload, back / forward or a shared link restores the
 * view): `state` parsed from the route, and `update(patch)` that writes a new query.
 *
 * Router navigations are asynchronous, so an update made while one is still under way (a click
 * while the page picks a default network or epoch) builds on that navigation's query, not on the
 * route it is leaving: neither change is lost.
 */
import { computed } from 'vue'
import { useRoute, useRouter } from 'vue-router'

/**
 * @param {(query: Record<string, any>) => Record<string, any>} parse query → state
 * @param {(state: Record<string, any>, rest: Record<string, any>) => Record<string, any>} build
 *   state (plus the query's other keys) → query
 */
export function useQueryState(parse, build) {
  const route = useRoute()
  const router = useRouter()
  const state = computed(() => parse(route.query))
  let pending = null

  /** @param {Record<string, any>} patch null/undefined removes a key */
  function update(patch, { replace = false } = {}) {
    const base = pending ?? route.query
    const query = build({ ...parse(base), ...patch }, base)
    pending = query
    return router[replace ? 'replace' : 'push']({ query }).finally(() => {
      if (pending === query) pending = null
    })
  }

  return { state, update }
}
