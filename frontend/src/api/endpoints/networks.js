/** Networks: listed per dataset, one network's structure, registering (whole or from a chunked upload),
 * linking a dataset and deleting one. */
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
  /** Register a completed chunked upload: fields as the form's, with `upload` (its id) instead of the file. */
  registerUpload: (fields, opts) => request('/api/networks/', { method: 'POST', json: fields, ...opts }),
  /** Link a dataset (its name) to a network you own, or unlink it with null. */
  setDataset: (id, dataset) => request(`/api/networks/${enc(id)}/`, { method: 'PATCH', json: { dataset } }),
  remove: (id) => request(`/api/networks/${enc(id)}/`, { method: 'DELETE' }),
}

/** A model file sent in chunks (POST to open, PUT each chunk with Content-Range, GET the offset to resume). */
export const modelUploadsApi = {
  /** @returns {Promise<{id: string, offset: number, size: number, complete: boolean, chunk_bytes: number}>} */
  open: (filename, size, opts) =>
    request('/api/uploads/model-chunks/', { method: 'POST', json: { filename, size }, ...opts }),
  status: (id, opts) => request(`/api/uploads/model-chunks/${enc(id)}/`, opts),
  /** @param {Blob} blob the bytes start..start+blob.size-1 of a file of `total` bytes */
  put: (id, blob, start, total, opts) =>
    request(`/api/uploads/model-chunks/${enc(id)}/`, {
      method: 'PUT',
      body: blob,
      headers: {
        'Content-Type': 'application/octet-stream',
        'Content-Range': `bytes ${start}-${start + blob.size - 1}/${total}`,
      },
      ...opts,
    }),
  cancel: (id) => request(`/api/uploads/model-chunks/${enc(id)}/`, { method: 'DELETE' }),
}
