import { describe, expect, it } from 'vitest'
import { graphEdges, laneCount } from './graph-edges'

const chain = (names, input = 'input_1') =>
  names.map((name, i) => ({ name, inbound: [i === 0 ? input : names[i - 1]] }))
const pick = (edges) => edges.map(({ fromName, toName, from, to }) => ({ fromName, toName, from, to }))

describe('graph edges of the overview', () => {
  it('a chain gives no extra edges', () => {
    const nodes = chain(['conv_1', 'relu', 'pool', 'flatten', 'output'])
    expect(graphEdges(nodes, 'input_1')).toEqual([])
    expect(laneCount(graphEdges(nodes, 'input_1'))).toBe(0)
  })

  it('a residual block gives one skip edge from the block input to the Add', () => {
    const nodes = [
      { name: 'conv_a', inbound: ['input_1'] },
      { name: 'conv_b', inbound: ['conv_a'] },
      { name: 'add', inbound: ['conv_a', 'conv_b'] },
      { name: 'relu', inbound: ['add'] },
    ]
    const edges = graphEdges(nodes, 'input_1')
    expect(pick(edges)).toEqual([{ fromName: 'conv_a', toName: 'add', from: 1, to: 3 }])
    expect(edges[0].key).toBe('conv_a->add')
    expect(edges[0].lane).toBe(0)
  })

  it('a Concatenate of two branches gives the branch and merge edges', () => {
    const nodes = [
      { name: 'stem', inbound: ['input_1'] },
      { name: 'branch_a', inbound: ['stem'] },
      { name: 'branch_b1', inbound: ['stem'] },
      { name: 'branch_b2', inbound: ['branch_b1'] },
      { name: 'concat', inbound: ['branch_a', 'branch_b2'] },
    ]
    expect(pick(graphEdges(nodes, 'input_1'))).toEqual([
      { fromName: 'stem', toName: 'branch_b1', from: 1, to: 3 },
      { fromName: 'branch_a', toName: 'concat', from: 2, to: 5 },
    ])
    // the two edges overlap (columns 2–3), so they get different lanes
    const lanes = graphEdges(nodes, 'input_1').map((e) => e.lane)
    expect(new Set(lanes).size).toBe(2)
  })

  it('unknown inbound names (the input layer, a second input) map to the input node', () => {
    const nodes = [
      { name: 'conv', inbound: ['image'] },
      { name: 'flatten', inbound: ['conv'] },
      { name: 'meta_dense', inbound: ['metadata'] },
      { name: 'concat', inbound: ['flatten', 'meta_dense'] },
    ]
    expect(pick(graphEdges(nodes, 'image'))).toEqual([
      { fromName: 'image', toName: 'meta_dense', from: 0, to: 3 },
      { fromName: 'flatten', toName: 'concat', from: 2, to: 4 },
    ])
  })

  it('repeats and empty inbound lists add nothing; non-overlapping edges share a lane', () => {
    const nodes = [
      { name: 'a', inbound: ['input'] },
      { name: 'b', inbound: ['a'] },
      { name: 'add1', inbound: ['a', 'a', 'b'] },
      { name: 'c', inbound: ['add1'] },
      { name: 'add2', inbound: ['add1', 'c'] },
      { name: 'extra', inbound: [] },
    ]
    const edges = graphEdges(nodes)
    expect(edges.map((e) => e.key)).toEqual(['a->add1', 'add1->add2'])
    expect(edges.map((e) => e.lane)).toEqual([0, 0])
    expect(laneCount(edges)).toBe(1)
  })
})
