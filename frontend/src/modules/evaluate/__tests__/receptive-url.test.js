import { describe, expect, it } from 'vitest'
import { EVALUATE } from '@/modules/evaluate/settings'
import { boxPercent, boxPixels, defaultSpatialLayer, spatialLayers } from '../receptive'
import { buildEvaluateQuery, exploreLocation, parseEvaluateQuery } from '../url-state'

const LAYERS = [
  { name: 'input', type: 'InputLayer', output_shape: [null, 28, 28, 1] },
  { name: 'conv_1', type: 'Conv2D', output_shape: [null, 26, 26, 10] },
  { name: 'pool_1', type: 'MaxPooling2D', output_shape: [null, 13, 13, 10] },
  { name: 'conv_2', type: 'Conv2D', output_shape: [null, 11, 11, 10] },
  { name: 'drop', type: 'Dropout', output_shape: [null, 11, 11, 10] },
  { name: 'flatten', type: 'Flatten', output_shape: [null, 1210] },
  { name: 'late', type: 'Conv2D', output_shape: [null, 2, 2, 4] },
]

describe('receptive field boxes', () => {
  it('lists spatial layers before Flatten, without Dropout, defaulting to the last conv', () => {
    expect(spatialLayers(LAYERS).map((l) => l.name)).toEqual(['conv_1', 'pool_1', 'conv_2'])
    expect(defaultSpatialLayer(LAYERS)).toBe('conv_2')
    expect(defaultSpatialLayer([])).toBe(null)
  })

  it('scales a box to percentages and pixels, clipped, bottom/right exclusive', () => {
    expect(boxPercent([0, 7, 14, 28], 28, 28)).toEqual({ top: '0%', left: '25%', width: '75%', height: '50%' })
    expect(boxPercent([-2, -2, 3, 3], 28, 28)).toEqual({ top: '0%', left: '0%', width: '10.714%', height: '10.714%' })
    expect(boxPercent([5, 5, 5, 9], 28, 28)).toBe(null)
    expect(boxPixels([7, 0, 14, 28], 28, 28, 56)).toEqual({ top: 14, left: 0, width: 56, height: 14 })
    expect(boxPixels([0, 0, 40, 40], 28, 28, 56)).toEqual({ top: 0, left: 0, width: 56, height: 56 })
  })
})

describe('evaluate url state', () => {
  it('round-trips a full state', () => {
    const s = {
      dataset: 'fashion-mnist',
      network: '3',
      true: 6,
      pred: 0,
      box: null,
      example: 17,
      method: 'pca',
      points: null,
      color: 'predicted',
      layer: 'conv_2',
    }
    const q = buildEvaluateQuery(s)
    expect(q).toEqual({
      dataset: 'fashion-mnist',
      network: '3',
      true: '6',
      pred: '0',
      example: '17',
      method: 'pca',
      points: 'all',
      color: 'predicted',
      layer: 'conv_2',
    })
    expect(parseEvaluateQuery(q)).toEqual(s)
  })

  it('leaves defaults out and restores them', () => {
    const s = parseEvaluateQuery({ network: '2' })
    expect(s).toMatchObject({
      true: null,
      pred: null,
      box: null,
      method: null,
      points: EVALUATE.defaultSubset,
      color: 'true',
    })
    expect(buildEvaluateQuery(s)).toEqual({ network: '2' })
  })

  it('keeps one selection: a cell wins over a box, half a cell is none', () => {
    expect(parseEvaluateQuery({ true: '1', pred: '2', box: '0,0,1,1' }).box).toBe(null)
    expect(parseEvaluateQuery({ true: '1' })).toMatchObject({ true: null, pred: null })
    const s = parseEvaluateQuery({ box: '-1.5,2,3e-2,4' })
    expect(s.box).toBe('-1.5,2,3e-2,4')
    expect(buildEvaluateQuery(s)).toEqual({ box: '-1.5,2,3e-2,4' })
    expect(parseEvaluateQuery({ box: 'x<1' }).box).toBe(null)
  })

  it('drops bad values and keeps foreign keys', () => {
    expect(parseEvaluateQuery({ method: 'mds', color: 'x', points: '-3', example: 'a' })).toMatchObject({
      method: null,
      color: 'true',
      points: EVALUATE.defaultSubset,
      example: null,
    })
    expect(buildEvaluateQuery(parseEvaluateQuery({}), { other: '1' })).toEqual({ other: '1' })
  })

  it('links an image to the explorer', () => {
    expect(exploreLocation('mnist', 4, 12)).toEqual({
      name: 'explore',
      query: { dataset: 'mnist', network: '4', sample: '12' },
    })
  })
})
