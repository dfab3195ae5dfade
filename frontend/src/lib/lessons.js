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
  const channel = Number.isInteger(view?.channel) ? ` · channel ${view.channel}` : ''
  return view?.layer ? `${base} · ${view.layer}${channel}` : base
}

/** How many of the teacher's own uploads the step picker offers (newest first). */
export const OWN_IMAGES_SHOWN = 24

/**
 * The images a new step can reuse, as thumbnails ({index: image id, label_name, image_url,
 * sample}): those already in the lesson first (each once), then the teacher's own uploads
 * (`images` from GET /api/images/, newest first) that are not among them.
 */
export function imageChoices(steps, images) {
  const out = []
  const seen = new Set()
  for (const s of steps) {
    if (!s.image || seen.has(s.image)) continue
    seen.add(s.image)
    const label = s.sample ? `sample ${s.sample.index}` : 'in this lesson'
    out.push({ index: s.image, label_name: label, image_url: s.image_url, sample: s.sample || null })
  }
  let own = 0
  for (const im of images) {
    if (im.source !== 'upload' || seen.has(im.id) || own >= OWN_IMAGES_SHOWN) continue
    seen.add(im.id)
    own += 1
    out.push({ index: im.id, label_name: 'your upload', image_url: im.url, sample: null })
  }
  return out
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
