import { describe, expect, it } from 'vitest'
import {
  chartScales,
  curveSeries,
  durationText,
  moveLayer,
  newLayer,
  polyline,
  presetStack,
  problemsByLayer,
  recipeOf,
  removeLayer,
  shapeText,
} from '../stack'

const TYPES = {
  conv: { filters: { default: 8, min: 1, max: 256 }, padding: { default: 'same', choices: ['valid', 'same'] } },
  flatten: {},
}

describe('the layer stack', () => {
  it('makes layers with the server defaults and strips page keys for the API', () => {
    const conv = newLayer('conv', TYPES)
    expect(conv).toMatchObject({ type: 'conv', filters: 8, padding: 'same' })
    expect(recipeOf([conv, newLayer('flatten', TYPES)])).toEqual([
      { type: 'conv', filters: 8, padding: 'same' },
      { type: 'flatten' },
    ])
  })
  it('moves and removes layers without touching the original', () => {
    const stack = ['a', 'b', 'c']
    expect(moveLayer(stack, 0, 1)).toEqual(['b', 'a', 'c'])
    expect(moveLayer(stack, 2, -1)).toEqual(['a', 'c', 'b'])
    expect(moveLayer(stack, 0, -1)).toBe(stack)
    expect(moveLayer(stack, 2, 1)).toBe(stack)
    expect(removeLayer(stack, 1)).toEqual(['a', 'c'])
    expect(stack).toEqual(['a', 'b', 'c'])
  })
  it('fills presets with defaults and fresh keys', () => {
    const a = presetStack('tiny-vgg', TYPES)
    const b = presetStack('tiny-vgg', TYPES)
    expect(a).toHaveLength(7)
    expect(a[0]).toMatchObject({ type: 'conv', filters: 16, padding: 'same' })
    expect(a[0].key).not.toBe(b[0].key)
    expect(presetStack('nope', TYPES)).toEqual([])
  })
})

describe('words and numbers', () => {
  it('writes shapes and durations', () => {
    expect(shapeText([28, 28, 16])).toBe('28×28×16')
    expect(shapeText([1568])).toBe('1,568')
    expect(shapeText(null)).toBe('—')
    expect(durationText(12.3)).toBe('12 s')
    expect(durationText(75)).toBe('1 min 15 s')
    expect(durationText(900)).toBe('15 min')
    expect(durationText(null)).toBe('—')
    expect(durationText(0)).toBe('0 s')
  })
  it('groups problems by layer, whole-stack ones under null', () => {
    const byLayer = problemsByLayer([
      { layer: 2, message: 'a' },
      { layer: null, message: 'b' },
      { layer: 2, message: 'c' },
    ])
    expect(byLayer.get(2)).toEqual(['a', 'c'])
    expect(byLayer.get(null)).toEqual(['b'])
    expect(byLayer.has(1)).toBe(false)
  })
})

describe('the live curves', () => {
  const history = [
    { kind: 'epoch', epoch: 1, loss: 0.8, accuracy: 0.7, test_loss: 0.6, test_accuracy: 0.75 },
    { kind: 'batch', epoch: 0.5, loss: 1.2, accuracy: 0.5 },
    { kind: 'batch', epoch: 1.5, loss: 0.6, accuracy: 0.8 },
  ]
  it('orders the points and takes the test values at epoch ends', () => {
    const loss = curveSeries(history, 'loss')
    expect(loss.train.map((p) => p.x)).toEqual([0.5, 1, 1.5])
    expect(loss.test).toEqual([{ x: 1, y: 0.6 }])
    expect(curveSeries([], 'accuracy')).toEqual({ train: [], test: [] })
  })
  it('maps epochs across the width and values down the height', () => {
    const series = curveSeries(history, 'accuracy')
    const s = chartScales(series, { epochs: 2, width: 110, height: 60, pad: { l: 10, r: 0, t: 0, b: 10 }, unit: true })
    expect(s.x(0)).toBe(10)
    expect(s.x(2)).toBe(110)
    expect(s.y(1)).toBe(0)
    expect(s.y(0)).toBe(50)
    expect(polyline([{ x: 1, y: 0.5 }], s)).toBe('60.0,25.0')
    const loss = chartScales(curveSeries(history, 'loss'), {
      epochs: 2,
      width: 100,
      height: 100,
      pad: { l: 0, r: 0, t: 0, b: 0 },
    })
    expect(loss.lo).toBeLessThan(0.6)
    expect(loss.hi).toBeGreaterThan(1.2)
  })
})
