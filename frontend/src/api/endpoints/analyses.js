/** Analyses: a network's activations and prediction for one image or sample. */
import { request } from '@/api/client'
import { enc } from './query'

export const analysesApi = {
  /** @param {{network: any, image?: any, sample?: {dataset: string, index: number}, epoch?: number}} body */
  create: (body, opts) => request('/api/analyses/', { method: 'POST', json: body, ...opts }),
  get: (id, opts) => request(`/api/analyses/${enc(id)}/`, opts),
}
