/**
 * The Explain view's state in the URL query: dataset, network, sample index or uploaded image id,
 * method, target class index, the methods compared side by side, the CAM layer and the shown
 * part of a signed map. parse ∘ build is the identity on valid states.
 */
import { DEFAULT_COMPARE } from '@/modules/explain/settings'

const str = (v) => {
  const s = (Array.isArray(v) ? v[0] : v) ?? null
  return s === null || s === '' ? null : String(s)
}

export const DEFAULT_METHOD = 'gradient'
const NAME = /^[a-z0-9+-]+$/

export function parseExplainQuery(query = {}) {
  const sample = str(query.sample)
  const target = str(query.target)
  const method = str(query.method)
  const compare = str(query.compare)
  const isSample = sample !== null && /^\d+$/.test(sample)
  return {
    dataset: str(query.dataset),
    network: str(query.network),
    sample: isSample ? Number(sample) : null,
    image: isSample ? null : str(query.image),
    method: method && NAME.test(method) ? method : DEFAULT_METHOD,
    target: target !== null && /^\d+$/.test(target) ? Number(target) : null,
    compare:
      compare === null ? [...DEFAULT_COMPARE] : compare === '-' ? [] : compare.split(',').filter((m) => NAME.test(m)),
    layer: str(query.layer),
    part: str(query.part) === 'negative' ? 'negative' : 'positive',
  }
}

const KEYS = ['dataset', 'network', 'sample', 'image', 'method', 'target', 'compare', 'layer', 'part']

export function buildExplainQuery(state, rest = {}) {
  const query = {}
  for (const [k, v] of Object.entries(rest)) if (!KEYS.includes(k)) query[k] = v
  for (const k of KEYS) {
    let v = state[k]
    if (v === null || v === undefined || v === '') continue
    if (k === 'method' && v === DEFAULT_METHOD) continue
    if (k === 'part' && v === 'positive') continue
    if (k === 'image' && state.sample !== null && state.sample !== undefined) continue
    if (k === 'compare') {
      if (v.join(',') === DEFAULT_COMPARE.join(',')) continue
      v = v.length ? v.join(',') : '-'
    }
    query[k] = String(v)
  }
  return query
}
