/** Lesson helpers shared by the lesson editor, the share view and the navbar. */

/** The views a step can show, in the words the editor uses. */
export const VIEW_KINDS = [
  { kind: 'overview', label: 'Overview of every layer', needsLayer: false },
  { kind: 'layer', label: 'One layer, all its maps', needsLayer: true },
  { kind: 'intermediate', label: 'How a conv channel is made', needsLayer: true, layerType: 'Conv2D' },
  { kind: 'arithmetic', label: 'The arithmetic of one value', needsLayer: true },
  { kind: 'flatten', label: 'The flatten view', needsLayer: true, layerType: 'Flatten' },
  { kind: 'explain', label: 'Attribution (Explain)', needsLayer: false },
]

export function viewLabel(view) {
  const found = VIEW_KINDS.find((v) => v.kind === view?.kind)
  const base = found ? found.label : view?.kind || '?'
  return view?.layer ? `${base} · ${view.layer}` : base
}

/** A step as the API reads it back when the whole list is written. */
export function stepBody(step) {
  const body = { network: step.network, view: step.view, note: step.note || '' }
  if (step.image) body.image = step.image
  else body.sample = step.sample
  return body
}

/** Move item i by delta (−1 up, +1 down) in a copy of the list. */
export function moved(list, i, delta) {
  const j = i + delta
  if (j < 0 || j >= list.length) return list.slice()
  const out = list.slice()
  ;[out[i], out[j]] = [out[j], out[i]]
  return out
}

/** Teachers and administrators write lessons (roles from /api/auth/me/, else is_staff). */
export function canTeach(user) {
  if (!user) return false
  const roles = Array.isArray(user.roles) ? user.roles : []
  return roles.includes('teacher') || roles.includes('admin') || !!user.is_staff
}
