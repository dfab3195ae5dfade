/**
 * The Evaluate view's state in the URL query, so a link reopens the same view:
 * dataset, network; the open selection — a confusion cell (`true`, `pred`) or a box on the
 * scatter (`box`, data units) — and the example shown in detail (`example`); the embedding
 * (`method`, `points`, `color`) and the top-activation layer (`layer`).
 * parse ∘ build is the identity on valid states.
 */
import { EVALUATE } from '@/modules/evaluate/settings'

const str = (v) => {
  const s = (Array.isArray(v) ? v[0] : v) ?? null
  return s === null || s === '' ? null : String(s)
}
const int = (v) => {
  const s = str(v)
  return s !== null && /^\d+$/.test(s) ? Number(s) : null
}

export const METHODS = ['tsne', 'umap', 'pca']
export const COLOR_BY = ['true', 'predicted']

/** `points`: a subset size, or null for all the test images. */
function parsePoints(v) {
  const s = str(v)
  if (s === 'all') return null
  const n = int(v)
  return n !== null && n > 0 ? n : EVALUATE.defaultSubset
}

export function parseEvaluateQuery(query = {}) {
  const t = int(query.true)
  const p = int(query.pred)
  const method = str(query.method)
  const color = str(query.color)
  const box = str(query.box)
  const cell = t !== null && p !== null
  return {
    dataset: str(query.dataset),
    network: str(query.network),
    true: cell ? t : null,
    pred: cell ? p : null,
    box: cell ? null : box && /^[-0-9.e,]+$/i.test(box) ? box : null,
    example: int(query.example),
    method: method && METHODS.includes(method) ? method : null,
    points: parsePoints(query.points),
    color: color && COLOR_BY.includes(color) ? color : 'true',
    layer: str(query.layer),
  }
}

const KEYS = ['dataset', 'network', 'true', 'pred', 'box', 'example', 'method', 'points', 'color', 'layer']

export function buildEvaluateQuery(state, rest = {}) {
  const query = {}
  for (const [k, v] of Object.entries(rest)) if (!KEYS.includes(k)) query[k] = v
  const cell = state.true !== null && state.true !== undefined && state.pred !== null && state.pred !== undefined
  for (const k of KEYS) {
    const v = state[k]
    if (k === 'points') {
      if (v === EVALUATE.defaultSubset || v === undefined) continue
      query.points = v === null ? 'all' : String(v)
      continue
    }
    if (v === null || v === undefined || v === '') continue
    if ((k === 'true' || k === 'pred') && !cell) continue
    if (k === 'box' && cell) continue
    if (k === 'color' && v === 'true') continue
    query[k] = String(v)
  }
  return query
}

/** Router locations of one dataset image in the explorer and on the Explain page. */
export function exploreLocation(dataset, network, index) {
  return {
    name: 'explore',
    query: { dataset: dataset || undefined, network: network ? String(network) : undefined, sample: String(index) },
  }
}
export function explainLocation(dataset, network, index) {
  return {
    name: 'explain',
    query: { dataset: dataset || undefined, network: network ? String(network) : undefined, sample: String(index) },
  }
}
