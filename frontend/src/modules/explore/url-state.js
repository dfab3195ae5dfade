/**
 * The Explore view's state in the URL query: dataset, network, sample index or uploaded image id,
 * the open layer, the colour scope and the training epoch (networks with checkpoints; none:
 * the trained network). parse ∘ build is the identity on valid states.
 */
import { DEFAULT_SCOPE, isScope } from '@/lib/scope'

const str = (v) => {
  const s = (Array.isArray(v) ? v[0] : v) ?? null
  return s === null || s === '' ? null : String(s)
}

/** @returns {{dataset: string|null, network: string|null, sample: number|null, image: string|null, layer: string|null, scope: string, epoch: number|null}} */
export function parseExploreQuery(query = {}) {
  const sample = str(query.sample)
  const scope = str(query.scope)
  const image = str(query.image)
  const epoch = str(query.epoch)
  return {
    dataset: str(query.dataset),
    network: str(query.network),
    sample: sample !== null && /^\d+$/.test(sample) ? Number(sample) : null,
    image: sample !== null && /^\d+$/.test(sample) ? null : image,
    layer: str(query.layer),
    scope: scope && isScope(scope) ? scope : DEFAULT_SCOPE,
    epoch: epoch !== null && /^\d+$/.test(epoch) && Number(epoch) > 0 ? Number(epoch) : null,
  }
}

const KEYS = ['dataset', 'network', 'sample', 'image', 'layer', 'scope', 'epoch']

/**
 * State → query object (strings only; empty and default values left out). Keys that are not
 * Explore's own (from `rest`) are kept.
 */
export function buildExploreQuery(state, rest = {}) {
  const query = {}
  for (const [k, v] of Object.entries(rest)) if (!KEYS.includes(k)) query[k] = v
  for (const k of KEYS) {
    const v = state[k]
    if (v === null || v === undefined || v === '') continue
    if (k === 'scope' && v === DEFAULT_SCOPE) continue
    if (k === 'image' && state.sample !== null && state.sample !== undefined) continue
    query[k] = String(v)
  }
  return query
}
