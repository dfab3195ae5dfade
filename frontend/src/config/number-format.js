/** How numbers are written everywhere: legends, tables, hover text. */

/** Compact number for legends and tables: 3 significant digits, exponent when tiny or huge. */
export function formatNumber(v) {
  if (v === null || v === undefined || Number.isNaN(v)) return '–'
  if (v === 0) return '0'
  const a = Math.abs(v)
  if (a >= 1e5 || a < 1e-3) return v.toExponential(2).replace('e+', 'e')
  return Number(v.toPrecision(3)).toString()
}

/** 1234567 → "1,234,567" */
export function formatCount(n) {
  return n === null || n === undefined ? '–' : Number(n).toLocaleString('en-US')
}

/** 0.9012 → "90.1%" */
export function formatPercent(p, digits = 1) {
  return p === null || p === undefined ? '–' : `${(p * 100).toFixed(digits)}%`
}
