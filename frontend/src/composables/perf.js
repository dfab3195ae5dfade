/** A performance mark the browser bench reads (bench/browser_bench.py); cleared before each set. */
export function markPerf(name) {
  if (typeof performance === 'undefined' || !performance.mark) return
  performance.clearMarks(name)
  performance.mark(name)
}
