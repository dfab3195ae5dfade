import { onScopeDispose, ref, shallowRef } from 'vue'

/**
 * A tiny loader for one GET resource with loading / error state; a newer load cancels an older one.
 * @template T
 * @param {(signal: AbortSignal, ...args: any[]) => Promise<T>} fetcher
 */
export function useResource(fetcher) {
  const data = shallowRef(null)
  const loading = ref(false)
  const error = ref('')
  let controller = null
  let lastArgs = []

  async function load(...args) {
    controller?.abort()
    controller = new AbortController()
    const { signal } = controller
    lastArgs = args
    loading.value = true
    error.value = ''
    try {
      const result = await fetcher(signal, ...args)
      if (signal.aborted) return null
      data.value = result
      return result
    } catch (e) {
      if (e?.name === 'AbortError') return null
      data.value = null
      error.value = e.message || 'Something went wrong.'
      return null
    } finally {
      if (!signal.aborted) loading.value = false
    }
  }

  function reset() {
    controller?.abort()
    data.value = null
    loading.value = false
    error.value = ''
  }

  onScopeDispose(() => controller?.abort())
  return { data, loading, error, load, reload: () => load(...lastArgs), reset }
}
