import { describe, expect, it } from 'vitest'
import { buildTourSteps, shapeText } from '../tour/tour-steps'

const conv = (name, filters, shape, inbound, activation = 'relu') => ({
  name,
  type: 'Conv2D',
  output_shape: shape,
  inbound,
  config: { filters, kernel_size: [3, 3], strides: [1, 1], padding: 'same', activation },
})
const layer = (name, type, shape, inbound, config = {}) => ({ name, type, output_shape: shape, inbound, config })

const TINY_VGG = [
  conv('conv_1_1', 16, [28, 28, 16], ['input']),
  conv('conv_1_2', 16, [28, 28, 16], ['conv_1_1']),
  layer('max_pool_1', 'MaxPooling2D', [14, 14, 16], ['conv_1_2'], { pool_size: [2, 2], strides: [2, 2] }),
  conv('conv_2_1', 32, [14, 14, 32], ['max_pool_1']),
  layer('max_pool_2', 'MaxPooling2D', [7, 7, 32], ['conv_2_1'], { pool_size: [2, 2], strides: [2, 2] }),
  layer('flatten', 'Flatten', [1568], ['max_pool_2']),
  layer('output', 'Dense', [10], ['flatten'], { units: 10, activation: 'softmax' }),
]

const DEEP_BN = [
  conv('conv_1_1', 24, [28, 28, 24], ['input'], 'linear'),
  layer('bn_1_1', 'BatchNormalization', [28, 28, 24], ['conv_1_1']),
  layer('relu_1_1', 'ReLU', [28, 28, 24], ['bn_1_1']),
  conv('conv_1_2', 24, [28, 28, 24], ['relu_1_1'], 'linear'),
  layer('bn_1_2', 'BatchNormalization', [28, 28, 24], ['conv_1_2']),
  layer('relu_1_2', 'ReLU', [28, 28, 24], ['bn_1_2']),
  layer('max_pool_1', 'MaxPooling2D', [14, 14, 24], ['relu_1_2'], { pool_size: [2, 2] }),
  layer('dropout_1', 'Dropout', [14, 14, 24], ['max_pool_1']),
  conv('conv_3_2', 96, [3, 3, 96], ['dropout_1'], 'linear'),
  layer('global_avg_pool', 'GlobalAveragePooling2D', [96], ['conv_3_2']),
  layer('output', 'Dense', [10], ['global_avg_pool'], { units: 10, activation: 'softmax' }),
]

const ids = (steps) => steps.map((s) => s.id)
const byId = (steps, id) => steps.find((s) => s.id === id)

describe('buildTourSteps', () => {
  it('walks a tiny-vgg-like network from input to prediction with its real numbers', () => {
    const steps = buildTourSteps(TINY_VGG, { inputShape: [28, 28, 1], hasInput: true })
    expect(ids(steps)).toEqual(['input', 'input-map', 'conv', 'activation', 'pool', 'dense', 'prediction'])
    expect(byId(steps, 'input-map').text).toContain('28×28×1')

    const c = byId(steps, 'conv')
    expect(c).toMatchObject({
      layer: 'conv_1_1',
      openLayer: true,
      target: '[data-testid="layer-panel"][data-layer="conv_1_1"]',
    })
    expect(c.text).toContain('16 filters of 3×3')
    expect(c.text).toContain('each gives one map')
    expect(c.text).toContain('28×28×16')

    const act = byId(steps, 'activation')
    expect(act.text).toContain('conv_1_1 applies ReLU itself')
    expect(act.target).toBe('[data-testid="layer-row"][data-layer="conv_1_1"]')

    const pool = byId(steps, 'pool')
    expect(pool.text).toContain('halves the size: 28×28 → 14×14')
    expect(pool.text).toContain('strongest value in each 2×2 window')
    expect(pool.target).toBe('[data-testid="layer-row"][data-layer="max_pool_1"]')

    const dense = byId(steps, 'dense')
    expect(dense.text).toContain('lays the 7×7×32 values out in one row of 1,568 numbers')
    expect(dense.text).toContain('10 scores')
    expect(dense.layer).toBe('flatten')

    const pred = byId(steps, 'prediction')
    expect(pred.target).toBe('[data-tour="prediction"]')
    expect(pred.avoid).toBe('[data-tour="input-card"]')
    expect(pred.text).toContain('highest bar is the answer')
    expect(pred.text).toContain('add up to 1')
  })

  it('names the batch norm and ReLU layers and global average pooling of a deep-bn-like network', () => {
    const steps = buildTourSteps(DEEP_BN, { inputShape: [28, 28, 1], hasInput: true })
    expect(ids(steps)).toEqual(['input', 'input-map', 'conv', 'activation', 'pool', 'dense', 'prediction'])
    expect(byId(steps, 'conv').text).toContain('24 filters of 3×3')
    const act = byId(steps, 'activation')
    expect(act.layer).toBe('relu_1_1')
    expect(act.text).toContain('bn_1_1 rescales each channel')
    expect(act.text).toContain('turns every negative value into 0')
    expect(byId(steps, 'pool').text).toContain('28×28 → 14×14')
    const dense = byId(steps, 'dense')
    expect(dense.layer).toBe('global_avg_pool')
    expect(dense.text).toContain('each of the 96 maps')
    expect(dense.text).toContain('average')
    expect(dense.title).toBe('Global pooling, then dense')
  })

  it('leaves out the steps a network has no layer for', () => {
    const noPool = TINY_VGG.filter((l) => !/pool/i.test(l.type))
    expect(ids(buildTourSteps(noPool))).toEqual(['input', 'input-map', 'conv', 'activation', 'dense', 'prediction'])

    const linearNoRelu = [
      conv('c', 8, [26, 26, 8], ['input'], 'linear'),
      layer('f', 'Flatten', [5408], ['c']),
      layer('d', 'Dense', [10], ['f'], { units: 10 }),
    ]
    expect(ids(buildTourSteps(linearNoRelu))).toEqual(['input', 'input-map', 'conv', 'dense', 'prediction'])

    const denseOnly = [layer('f', 'Flatten', [784], ['input']), layer('d', 'Dense', [10], ['f'], { units: 10 })]
    expect(ids(buildTourSteps(denseOnly))).toEqual(['input', 'input-map', 'dense', 'prediction'])

    expect(ids(buildTourSteps([]))).toEqual(['input', 'input-map', 'prediction'])
    expect(ids(buildTourSteps(undefined))).toEqual(['input', 'input-map', 'prediction'])
  })

  it('says what to do while no image is chosen', () => {
    const steps = buildTourSteps(TINY_VGG, { inputShape: [28, 28, 1], hasInput: false })
    expect(byId(steps, 'input-map').text).toContain('Once you pick an image')
    expect(byId(steps, 'prediction').text).toContain('Once you pick an image')
  })

  it('writes shapes without the batch dimension', () => {
    expect(shapeText([null, 28, 28, 16])).toBe('28×28×16')
    expect(shapeText(null)).toBe('?')
  })
})
