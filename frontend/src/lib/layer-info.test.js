import { describe, expect, it } from 'vitest'
import { explainLayer, mapLayout, vectorStyle } from './layer-info'

describe('plain-language explanations', () => {
  const types = [
    'InputLayer',
    'Conv2D',
    'ReLU',
    'Activation',
    'MaxPooling2D',
    'AveragePooling2D',
    'GlobalAveragePooling2D',
    'BatchNormalization',
    'Dropout',
    'Flatten',
    'Dense',
    'Softmax',
    'Add',
    'Concatenate',
    'DepthwiseConv2D',
    'ZeroPadding2D',
    'Rescaling',
  ]
  it.each(types)('%s has its own short text and a longer "more"', (type) => {
    const e = explainLayer({ type })
    expect(e.title).not.toBe('Layer')
    expect(e.short.length).toBeGreaterThan(20)
    expect(e.more.length).toBeGreaterThan(e.short.length / 2)
  })
  it('each teaching layer type has its own "try this"', () => {
    const tries = [
      'InputLayer',
      'Conv2D',
      'ReLU',
      'MaxPooling2D',
      'GlobalAveragePooling2D',
      'BatchNormalization',
      'Flatten',
      'Dense',
    ].map((type) => explainLayer({ type }).tryThis)
    expect(new Set(tries).size).toBe(tries.length)
    expect(explainLayer({ type: 'Conv2D' }).tryThis).toMatch(/vertical stroke/)
    expect(explainLayer({ type: 'Frobnicate' }).tryThis).toMatch(/colour scale/)
  })
  it('never asks a read-only (shared) reader to draw', () => {
    for (const type of ['InputLayer', 'Conv2D', 'ReLU', 'Dense', 'Frobnicate']) {
      expect(explainLayer({ type }, { readOnly: true }).tryThis).not.toMatch(/draw|upload/i)
    }
  })
  it('an unknown type still gets an explanation', () => {
    expect(explainLayer({ type: 'Frobnicate' }).short).toMatch(/transforms/)
  })
  it('lists the layer’s own numbers in words', () => {
    const e = explainLayer({
      type: 'Conv2D',
      params: 2320,
      config: { filters: 16, kernel_size: [3, 3], strides: [1, 1], padding: 'same', activation: 'relu' },
    })
    expect(e.facts).toEqual([
      '16 filters of 3×3',
      'stride 1×1',
      'padding keeps the size',
      'then ReLU (negatives → 0)',
      '2,320 learned numbers',
    ])
  })
})

describe('layouts', () => {
  it('drops a batch dimension and tells maps from vectors', () => {
    expect(mapLayout([1, 28, 28, 16])).toEqual({ kind: 'maps', h: 28, w: 28, c: 16 })
    expect(mapLayout([1568])).toEqual({ kind: 'vector', n: 1568 })
  })
  it('draws dense layers as bars and long flatten vectors as a strip', () => {
    expect(vectorStyle('Dense', { kind: 'vector', n: 10 })).toBe('bars')
    expect(vectorStyle('Flatten', { kind: 'vector', n: 1568 })).toBe('strip')
    expect(vectorStyle('Conv2D', { kind: 'maps', h: 1, w: 1, c: 1 })).toBeNull()
  })
})
