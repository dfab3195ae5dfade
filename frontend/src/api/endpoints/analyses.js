/** Analyses: a network's activations and prediction for one image or sample. */
import { ApiError, request, withQuery } from '@/api/client'
import { pollJob } from '@/composables/use-job-poller'
import { enc } from './query'

/** How often one layer fetch waits for a recompute job before giving up. */
const LAYER_TRIES = 4

export const analysesApi = {
  /** @param {{network: any, image?: any, sample?: {dataset: string, index: number}, epoch?: number}} body */
  create: (body, opts) => request('/api/analyses/', { method: 'POST', json: body, ...opts }),
  get: (id, opts) => request(`/api/analyses/${enc(id)}/`, opts),
  /** Layer previews for the overview (a CSB1 bundle of uint8 parts), index range [from, to). */
  previews: (url, from, to, opts) =>
    request(withQuery(withQuery(url, 'from', from), 'to', to), { responseType: 'arrayBuffer', ...opts }),
  /**
   * One layer's full values (the layer's `url`) as an ArrayBuffer (.npy). The server may answer
   * 202 {detail, job} while it recomputes the layer: then wait for that job and ask again.
   */
  async layer(url, { dtype = 'float16', signal, onPending } = {}) {
    for (let attempt = 0; attempt < LAYER_TRIES; attempt++) {
      const got = await request(withQuery(url, 'dtype', dtype), {
        responseType: 'arrayBuffer',
        acceptPending: true,
        signal,
      })
      if (!got || !got.accepted) return got
      const job = got.accepted?.job
      if (job === undefined || job === null) throw new ApiError('The server is still preparing this layer; try again.')
      onPending?.(got.accepted)
      const done = await pollJob(typeof job === 'object' ? job : { id: job, status: 'queued' }, { signal })
      if (done.status !== 'succeeded')
        throw new ApiError(done.message || 'The server could not recompute this layer’s values.')
    }
    throw new ApiError('The server is still preparing this layer; try again in a moment.')
  },
}
