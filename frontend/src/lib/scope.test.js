import { describe, expect, it } from 'vitest'
import { DEFAULT_SCOPE, SCOPES, layerStats, legendFor, networkVmax, vmaxFor } from './scope'

// a 2×2×3 channels-last layer: channel 0 in [−4, 1], channel 1 in [0, 0.5], channel 2 all zero
const data = new Float32Array([
  -4,
  0.5,
  0, //
  1,
  0.1,
  0, //
  0,
  0,
  0, //
  0.25,
  0.2,
  0,
])
const layout = { kind: 'maps', h: 2, w: 2, c: 3 }

describe('layerStats', () => {
  const s = layerStats(data, layout)
  it('finds the layer range', () => {
    expect(s.min).toBe(-4)
    expect(s.max).toBe(1)
    expect(s.vmax).toBe(4)
  })
  it('finds each channel range (channels-last indexing)', () => {
    expect([...s.channelMin]).toEqual([-4, 0, 0])
    expect([...s.channelMax]).toEqual([1, 0.5, 0])
    expect([...s.channelVmax]).toEqual([4, 0.5, 0])
  })
  it('treats a vector as one channel and skips NaN', () => {
    const v = layerStats(new Float32Array([NaN, -2, 3]), { kind: 'vector', n: 3 })
    expect(v.vmax).toBe(3)
    expect(v.min).toBe(-2)
  })
  it('gives an empty or all-NaN layer a zero range', () => {
    const v = layerStats(new Float32Array([NaN]), { kind: 'vector', n: 1 })
    expect([v.min, v.max, v.vmax]).toEqual([0, 0, 0])
  })
})

describe('vmaxFor: the colour limit under each scope', () => {
  const stats = layerStats(data, layout)
  it('unit: each map its own |max|', () => {
    expect(vmaxFor('unit', { stats, channel: 0 })).toBe(4)
    expect(vmaxFor('unit', { stats, channel: 1 })).toBe(0.5)
  })
  it('unit: an all-zero map gets limit 1 (paints white, no division by zero)', () => {
    expect(vmaxFor('unit', { stats, channel: 2 })).toBe(1)
  })
  it('layer: one limit for every channel', () => {
    for (const k of [0, 1, 2]) expect(vmaxFor('layer', { stats, channel: k })).toBe(4)
  })
  it('network: the whole-network limit', () => {
    expect(vmaxFor('network', { stats, channel: 1, network: 12 })).toBe(12)
  })
  it('networkVmax is the largest layer range', () => {
    const other = layerStats(new Float32Array([7, -9]), { kind: 'vector', n: 2 })
    expect(networkVmax([stats, other, null])).toBe(9)
    expect(networkVmax([])).toBe(0)
  })
})

describe('legendFor', () => {
  const stats = layerStats(data, layout)
  it('names the scope and its numbers', () => {
    expect(legendFor('layer', { stats })).toEqual({ vmax: 4, label: 'scale: this layer' })
    expect(legendFor('network', { stats, network: 9 }).vmax).toBe(9)
    expect(legendFor('unit', { stats }).vmax).toBeNull()
  })
  it('has three scopes, per layer by default', () => {
    expect(SCOPES.map((s) => s.id)).toEqual(['unit', 'layer', 'network'])
    expect(DEFAULT_SCOPE).toBe('layer')
  })
})
