/** Why was this test picture misclassified? Its neighbourhood drawn by the dataset's VAE. */
import { request } from '@/api/client'
import { enc } from './query'

export const neighbourhoodsApi = {
  /** @param {{network: number, index: number, neighbours?: number, radius?: number, regularisation?: number, seed?: number}} body */
  create: (body, opts) => request('/api/neighbourhoods/', { method: 'POST', json: body, ...opts }),
  get: (id, opts) => request(`/api/neighbourhoods/${enc(id)}/`, opts),
  /** uint8 N×H×W×C .npy: the neighbours' pictures, in the summary's order. */
  neighbours: (id, opts) =>
    request(`/api/neighbourhoods/${enc(id)}/neighbours/`, { responseType: 'arrayBuffer', ...opts }),
  /** uint8 .npy: the pictures along the path (true class's mean … the picture … predicted class's mean). */
  path: (id, opts) => request(`/api/neighbourhoods/${enc(id)}/path/`, { responseType: 'arrayBuffer', ...opts }),
}
