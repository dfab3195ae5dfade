/** Build & train: check a layer stack, train it as a job, follow its curves. */
import { request } from '@/api/client'
import { enc } from './query'

export const trainingApi = {
  /** Layer types with each setting's default and range, datasets, limits, the user's quota. */
  options: (opts) => request('/api/training-runs/options/', opts),
  /** Shapes, parameters and problems of a stack (nothing is queued). */
  check: (body, opts) => request('/api/training-runs/check/', { method: 'POST', json: body, ...opts }),
  /** Start training (202 with the run and its job; 400/403 with a sentence naming the limit). */
  create: (body, opts) => request('/api/training-runs/', { method: 'POST', json: body, ...opts }),
  /** Your runs, newest first. */
  list: (opts) => request('/api/training-runs/', opts),
  get: (id, opts) => request(`/api/training-runs/${enc(id)}/`, opts),
}
