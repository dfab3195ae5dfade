/**
 * The signed-in user's filter annotations ("useful" / "useless" and a note) for the network open in
 * Explore: loaded once per network, shared by the layer view (badges, the form) and the overview
 * (a count per layer).
 */
import { reactive } from 'vue'
import { annotationsApi } from '@/api/endpoints/annotations'
import { registerSessionCache } from '@/lib/session-caches'

export const annotationState = reactive({ network: null, items: [], error: '' })
// a user's notes: gone with the session
registerSessionCache('annotations', () => clearAnnotations())

export async function loadAnnotations(network) {
  annotationState.network = network ?? null
  annotationState.items = []
  annotationState.error = ''
  if (network === null || network === undefined) return
  try {
    const items = await annotationsApi.list(network)
    if (annotationState.network === network) annotationState.items = items
  } catch (e) {
    if (annotationState.network === network) annotationState.error = e.message
  }
}

export function clearAnnotations() {
  annotationState.network = null
  annotationState.items = []
  annotationState.error = ''
}

/** filter index → annotation, for one layer */
export function annotationsOf(layer) {
  const out = new Map()
  for (const a of annotationState.items) if (a.layer === layer) out.set(a.filter, a)
  return out
}

/** How many filters of `layer` carry a verdict or a note. */
export function annotationCount(layer) {
  return annotationState.items.filter((a) => a.layer === layer && (a.verdict || a.note)).length
}

/** Save (create or update) one filter's annotation; an empty verdict and note removes it. */
export async function saveAnnotation({ network, layer, filter, verdict, note }) {
  const existing = annotationState.items.find((a) => a.network === network && a.layer === layer && a.filter === filter)
  if (!verdict && !note) {
    if (existing) await annotationsApi.remove(existing.id)
    annotationState.items = annotationState.items.filter((a) => a !== existing)
    return null
  }
  const saved = await annotationsApi.save({ network, layer, filter, verdict, note })
  if (annotationState.network === network) {
    annotationState.items = [...annotationState.items.filter((a) => a.id !== saved.id), saved]
  }
  return saved
}
