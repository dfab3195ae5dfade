/** Your own images (uploaded, drawn or taken with the camera). */
import { upload } from '@/api/client'

export const imagesApi = {
  /** @param {File} file @param {{onProgress?: (fraction: number) => void, signal?: AbortSignal}} [opts] */
  upload: (file, opts) => {
    const form = new FormData()
    form.append('file', file)
    return upload('/api/images/', form, opts)
  },
}
