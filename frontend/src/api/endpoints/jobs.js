/** The one job contract: every long computation answers 202 with a job to follow here. */
import { request } from '@/api/client'
import { enc } from './query'

export const jobsApi = {
  get: (id, opts) => request(`/api/jobs/${enc(id)}/`, opts),
  /** Ask the server to stop a job (409 when it has already finished). */
  cancel: (id, opts) => request(`/api/jobs/${enc(id)}/cancel/`, { method: 'POST', ...opts }),
}
