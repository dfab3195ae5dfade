import { describe, expect, it } from 'vitest'
import { DEFAULT_COMPARE } from '@/modules/explain/settings'
import { buildExplainQuery, parseExplainQuery } from '../url-state'
import { camLayers, defaultCamLayer } from '../cam'

describe('explain url state', () => {
  it('round-trips a full state', () => {
    const state = {
      dataset: 'fashion-mnist',
      network: '3',
      sample: 4,
      image: null,
      method: 'gradcam++',
      target: 2,
      compare: ['gradient', 'occlusion'],
      layer: 'conv_2_2',
      part: 'negative',
    }
    const q = buildExplainQuery(state)
    expect(q).toEqual({
      dataset: 'fashion-mnist',
      network: '3',
      sample: '4',
      method: 'gradcam++',
      target: '2',
      compare: 'gradient,occlusion',
      layer: 'conv_2_2',
      part: 'negative',
    })
    expect(parseExplainQuery(q)).toEqual(state)
  })

  it('leaves defaults out and restores them', () => {
    const s = parseExplainQuery({ network: '1', image: '9' })
    expect(s.method).toBe('gradient')
    expect(s.compare).toEqual(DEFAULT_COMPARE)
    expect(s.target).toBe(null)
    expect(buildExplainQuery(s)).toEqual({ network: '1', image: '9' })
  })

  it('keeps an empty compare list', () => {
    const s = parseExplainQuery({ compare: '-' })
    expect(s.compare).toEqual([])
    expect(buildExplainQuery(s).compare).toBe('-')
  })
})

describe('cam layers', () => {
  const layers = [
    { name: 'conv_1', type: 'Conv2D', output_shape: [26, 26, 10] },
    { name: 'pool', type: 'MaxPooling2D', output_shape: [13, 13, 10] },
    { name: 'drop', type: 'Dropout', output_shape: [13, 13, 10] },
    { name: 'one', type: 'Conv2D', output_shape: [1, 1, 10] },
    { name: 'flatten', type: 'Flatten', output_shape: [10] },
    { name: 'late', type: 'Conv2D', output_shape: [5, 5, 4] },
  ]
  it('lists spatial layers before the first Flatten and skips Dropout for the default', () => {
    expect(camLayers(layers).map((l) => l.name)).toEqual(['conv_1', 'pool', 'drop'])
    expect(defaultCamLayer(layers)).toBe('pool')
    expect(defaultCamLayer([])).toBe(null)
  })
})
