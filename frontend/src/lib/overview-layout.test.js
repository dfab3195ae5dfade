import { describe, expect, it } from 'vitest'
import { assignLanes, laneCount, layoutEdges, layoutOverview } from './overview-layout'

const chain = (names, input = 'input_1') =>
  names.map((name, i) => ({ name, inbound: [i === 0 ? input : names[i - 1]] }))
const rows = (layout) => Object.fromEntries([...layout.place].map(([n, p]) => [n, p.row]))
const pick = (edges) => edges.map(({ fromName, toName, side }) => ({ fromName, toName, side }))

// Keras' own order for a ResNet50 block with a projection shortcut (conv2_block1)
const resnetBlock = [
  { name: 'pool1_pool', inbound: ['input_1'] },
  { name: 'b1_1_conv', inbound: ['pool1_pool'] },
  { name: 'b1_1_relu', inbound: ['b1_1_conv'] },
  { name: 'b1_2_conv', inbound: ['b1_1_relu'] },
  { name: 'b1_2_relu', inbound: ['b1_2_conv'] },
  { name: 'b1_0_conv', inbound: ['pool1_pool'] },
  { name: 'b1_3_conv', inbound: ['b1_2_relu'] },
  { name: 'b1_0_bn', inbound: ['b1_0_conv'] },
  { name: 'b1_3_bn', inbound: ['b1_3_conv'] },
  { name: 'b1_add', inbound: ['b1_0_bn', 'b1_3_bn'] },
  { name: 'b1_out', inbound: ['b1_add'] },
]

describe('overview layout', () => {
  it('a chain is one straight row with every link implied', () => {
    const nodes = chain(['conv_1', 'relu', 'pool', 'flatten', 'output'])
    const layout = layoutOverview(nodes, 'input_1')
    expect(layout.main).toEqual(['conv_1', 'relu', 'pool', 'flatten', 'output'])
    expect(layout.rows).toBe(1)
    expect(layoutEdges(nodes, layout, 'input_1')).toEqual([])
  })

  it('an identity shortcut keeps every layer on the main row and draws one arc', () => {
    const nodes = [
      { name: 'conv_a', inbound: ['input_1'] },
      { name: 'conv_b', inbound: ['conv_a'] },
      { name: 'add', inbound: ['conv_a', 'conv_b'] },
      { name: 'relu', inbound: ['add'] },
    ]
    const layout = layoutOverview(nodes, 'input_1')
    expect(layout.rows).toBe(1)
    expect(pick(layoutEdges(nodes, layout, 'input_1'))).toEqual([{ fromName: 'conv_a', toName: 'add', side: false }])
  })

  it("ResNet's projection shortcut leaves the main path and sits below it, from its branch point", () => {
    const layout = layoutOverview(resnetBlock, 'input_1')
    expect(layout.main).toEqual([
      'pool1_pool',
      'b1_1_conv',
      'b1_1_relu',
      'b1_2_conv',
      'b1_2_relu',
      'b1_3_conv',
      'b1_3_bn',
      'b1_add',
      'b1_out',
    ])
    expect(rows(layout)).toMatchObject({ b1_0_conv: 1, b1_0_bn: 1, b1_3_conv: 0, b1_add: 0 })
    // under the two columns after the layer it branches from
    expect(layout.place.get('b1_0_conv')).toEqual({ row: 1, after: 'pool1_pool', offset: 1 })
    expect(layout.place.get('b1_0_bn')).toEqual({ row: 1, after: 'pool1_pool', offset: 2 })
    // the main path's neighbours and the shortcut's own neighbours are implied links
    expect(layout.previous.get('b1_3_conv')).toBe('b1_2_relu')
    expect(layout.previous.get('b1_0_bn')).toBe('b1_0_conv')
    expect(pick(layoutEdges(resnetBlock, layout, 'input_1'))).toEqual([
      { fromName: 'pool1_pool', toName: 'b1_0_conv', side: true },
      { fromName: 'b1_0_bn', toName: 'b1_add', side: true },
    ])
  })

  it('parallel branches of different lengths take one side row each, the longest is the main path', () => {
    const nodes = [
      { name: 'stem', inbound: ['input_1'] },
      { name: 'a1', inbound: ['stem'] },
      { name: 'b1', inbound: ['stem'] },
      { name: 'c1', inbound: ['stem'] },
      { name: 'c2', inbound: ['c1'] },
      { name: 'c3', inbound: ['c2'] },
      { name: 'b2', inbound: ['b1'] },
      { name: 'concat', inbound: ['a1', 'b2', 'c3'] },
    ]
    const layout = layoutOverview(nodes, 'input_1')
    expect(layout.main).toEqual(['stem', 'c1', 'c2', 'c3', 'concat'])
    expect(rows(layout)).toMatchObject({ a1: 1, b1: 2, b2: 2 })
    expect(layout.rows).toBe(3)
    expect(layout.place.get('b2')).toEqual({ row: 2, after: 'stem', offset: 2 })
  })

  it('a branch straight from the input starts after the input node', () => {
    const nodes = [
      { name: 'conv', inbound: ['image'] },
      { name: 'relu', inbound: ['conv'] },
      { name: 'side', inbound: ['image'] },
      { name: 'add', inbound: ['relu', 'side'] },
    ]
    const layout = layoutOverview(nodes, 'image')
    expect(layout.place.get('side')).toEqual({ row: 1, after: 'image', offset: 1 })
    expect(pick(layoutEdges(nodes, layout, 'image'))).toEqual([
      { fromName: 'image', toName: 'side', side: true },
      { fromName: 'side', toName: 'add', side: true },
    ])
  })

  it('lanes keep overlapping arcs apart, shorter ones lower', () => {
    const edges = [
      { from: 1, to: 5 },
      { from: 2, to: 4 },
      { from: 6, to: 8 },
    ]
    assignLanes(edges)
    expect(edges.map((e) => e.lane)).toEqual([1, 0, 0])
    expect(laneCount(edges)).toBe(2)
    expect(laneCount([])).toBe(0)
  })
})
