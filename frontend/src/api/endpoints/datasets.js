/** Datasets: the list, their sample images, registering and deleting one. */
import { request, upload } from '@/api/client'
import { enc } from './query'

export const datasetsApi = {
  list: (opts) => request('/api/datasets/', opts),
  samples: (dataset, opts) => request(`/api/datasets/${enc(dataset)}/samples/`, opts),
  /** @param {FormData} form @returns {Promise<{name: string, job: object}>} */
  register: (form, opts) => upload('/api/datasets/', form, opts),
  remove: (name) => request(`/api/datasets/${enc(name)}/`, { method: 'DELETE' }),
}

/** The dataset's own PNG of one test image (for points of the scatter, which carry no URL). */
export const sampleImageUrl = (dataset, index) => `/api/datasets/${enc(dataset)}/samples/${enc(index)}/image/`
