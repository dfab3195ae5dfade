/** Your own images (uploaded, drawn or taken with the camera). */
import { request, upload } from '@/api/client'

export const imagesApi = {
  /** every image of yours, newest first (uploads, drawings, photos and the samples you opened) */
  list: (opts) => request('/api/images/', opts),
  /** @param {File} file @param {{onProgress?: (fraction: number) => void, signal?: AbortSignal}} [opts] */
  upload: (file, opts) => {
    const form = new FormData()
    form.append('file', file)
    return upload('/api/images/', form, opts)
  },
}
