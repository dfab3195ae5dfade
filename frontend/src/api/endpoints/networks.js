/** Networks: listed per dataset, one network's structure, registering and deleting one. */
import { request, upload } from '@/api/client'
import { NO_DATASET } from '@/config/datasets'
import { enc } from './query'

export const networksApi = {
  /** Every network you may see. */
  all: (opts) => request('/api/networks/', opts),
  /** The networks of one dataset; NO_DATASET: those registered without one (only your own images go in). */
  list: (dataset, opts) =>
    dataset === NO_DATASET
      ? request('/api/networks/', opts).then((list) => list.filter((n) => !n.dataset))
      : request(`/api/networks/?dataset=${enc(dataset)}`, opts),
  get: (id, opts) => request(`/api/networks/${enc(id)}/`, opts),
  /** @param {FormData} form @returns {Promise<{id: number, name: string, job: object}>} */
  register: (form, opts) => upload('/api/networks/', form, opts),
  remove: (id) => request(`/api/networks/${enc(id)}/`, { method: 'DELETE' }),
}
