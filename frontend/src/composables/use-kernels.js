import { markRaw, onScopeDispose, ref, shallowRef, watch } from 'vue'
import { artifactsApi } from '@/api/endpoints/artifacts'
import { parseNpy } from '@/api/npy'
import { sessionCache, sessionEpoch } from '@/lib/session-caches'

// kernel url → ready state (weights do not change for a network version; a private network's are
// its owner's, so they go with the session)
const CACHE = sessionCache('kernels')

/** A layer weight URL for the weights saved after training epoch `epoch` (null: trained). */
export function epochWeightsUrl(url, epoch) {
  if (!url || !epoch) return url
  return `${url}${url.includes('?') ? '&' : '?'}epoch=${epoch}`
}

/** Kernel array (kh, kw, in, out) → {status, shape, data, vmax}. */
async function fetchKernel(url, signal) {
  const { shape, data } = parseNpy(await artifactsApi.binary(url, { signal }))
  let vmax = 0
  for (let i = 0; i < data.length; i++) {
    const a = Math.abs(data[i])
    if (a > vmax) vmax = a
  }
  return { status: 'ready', shape, data: markRaw(data), vmax: vmax || 1 }
}

/**
 * The convolution kernels of a network, fetched in the background as soon as its structure is
 * known, so opening a conv layer shows its kernels at once. kernels: { [kernel_url]: state },
 * keyed by the layer's kernel_url; with `epochRef` (a training epoch, or null for the trained
 * network) the states are those of that epoch's weights.
 */
export function useKernels(networkRef, epochRef = ref(null)) {
  const kernels = shallowRef({})
  let controller = null

  watch(
    [networkRef, epochRef],
    async ([net, epoch]) => {
      controller?.abort()
      controller = new AbortController()
      const { signal } = controller
      const askedIn = sessionEpoch()
      const urls = (net?.layers || []).filter((l) => l.kernel_url && /conv/i.test(l.type)).map((l) => l.kernel_url)
      const fetchUrl = (u) => epochWeightsUrl(u, epoch)
      kernels.value = Object.fromEntries(
        urls.filter((u) => CACHE.has(fetchUrl(u))).map((u) => [u, CACHE.get(fetchUrl(u))]),
      )
      // all at once: they are small, and should be in memory before anyone opens a layer
      await Promise.all(
        urls
          .filter((url) => !CACHE.has(fetchUrl(url)))
          .map(async (url) => {
            try {
              const state = await fetchKernel(fetchUrl(url), signal)
              CACHE.set(fetchUrl(url), state, askedIn)
              if (!signal.aborted) kernels.value = { ...kernels.value, [url]: state }
            } catch (e) {
              if (e?.name === 'AbortError' || signal.aborted) return
              kernels.value = {
                ...kernels.value,
                [url]: { status: 'error', error: e.message || 'Could not load the kernels.' },
              }
            }
          }),
      )
    },
    { immediate: true },
  )
  onScopeDispose(() => controller?.abort())
  return { kernels }
}

/** The kh×kw kernel slice for input channel i and output channel o, row-major. */
export function kernelSlice(data, shape, i, o) {
  const [kh, kw, cin, cout] = shape
  const out = new Float32Array(kh * kw)
  for (let y = 0; y < kh; y++) for (let x = 0; x < kw; x++) out[y * kw + x] = data[((y * kw + x) * cin + i) * cout + o]
  return out
}
