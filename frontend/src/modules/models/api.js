/** The Models page's calls: registering and deleting networks and datasets. */
import { request, upload } from '@/api/client'

const enc = encodeURIComponent

export const modelsApi = {
  networks: (opts) => request('/api/networks/', opts),
  datasets: (opts) => request('/api/datasets/', opts),
  /** @param {FormData} form @returns {Promise<{id: number, name: string, job: object}>} */
  registerNetwork: (form, opts) => upload('/api/networks/', form, opts),
  registerDataset: (form, opts) => upload('/api/datasets/', form, opts),
  deleteNetwork: (id) => request(`/api/networks/${enc(id)}/`, { method: 'DELETE' }),
  deleteDataset: (name) => request(`/api/datasets/${enc(name)}/`, { method: 'DELETE' }),
}

/** Where "Explore it now" goes for a registered network. */
export function exploreLink(networkId, dataset) {
  const query = { network: String(networkId) }
  if (dataset) query.dataset = dataset
  return { path: '/', query }
}

/** Parse "0.5" or "0.485, 0.456, 0.406" into numbers; null when any part is not a number. */
export function parseFloats(text) {
  const parts = String(text ?? '')
    .split(/[,;\s]+/)
    .filter(Boolean)
  if (!parts.length) return null
  const values = parts.map(Number)
  return values.every((v) => Number.isFinite(v)) ? values : null
}
