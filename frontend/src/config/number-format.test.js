import { describe, expect, it } from 'vitest'
import { formatCount, formatNumber, formatPercent } from './number-format'

describe('number formats', () => {
  it('writes 3 significant digits, exponents when tiny or huge, a dash when missing', () => {
    expect(formatNumber(0.123456)).toBe('0.123')
    expect(formatNumber(1234.5)).toBe('1230')
    expect(formatNumber(0.0000123)).toBe('1.23e-5')
    expect(formatNumber(123456)).toBe('1.23e5')
    expect(formatNumber(0)).toBe('0')
    expect(formatNumber(null)).toBe('–')
    expect(formatNumber(Number.NaN)).toBe('–')
  })
  it('groups counts and writes shares as percentages', () => {
    expect(formatCount(1234567)).toBe('1,234,567')
    expect(formatCount(undefined)).toBe('–')
    expect(formatPercent(0.9012)).toBe('90.1%')
    expect(formatPercent(0.5, 0)).toBe('50%')
  })
})
