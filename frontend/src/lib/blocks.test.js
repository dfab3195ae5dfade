import { describe, expect, it } from 'vitest'
import { blocksContaining, cutLayers, detectBlocks, flattenColumns } from './blocks'
import resnet50 from './__fixtures__/resnet50-layers.json'
import densenet121 from './__fixtures__/densenet121-layers.json'
import mobilenet from './__fixtures__/mobilenet_v2-layers.json'

const top = (tree) => tree.map((n) => (n.kind === 'layer' ? n.name : `[${n.label}]`))
const typesIn = (layers, block) => block.layerIndices.map((i) => layers[i].type)
const everyIndex = (tree) =>
  tree.flatMap((n) => (n.kind === 'layer' ? [n.index] : n.layerIndices)).sort((a, b) => a - b)

describe('detectBlocks on real networks', () => {
  it('ResNet50: a stem, four stages of 3, 4, 6 and 3 residual blocks, each ending in its Add', () => {
    const tree = detectBlocks(resnet50)
    expect(top(tree)).toEqual([
      '[conv1]',
      '[pool1]',
      '[conv2]',
      '[conv3]',
      '[conv4]',
      '[conv5]',
      'avg_pool',
      'predictions',
    ])
    const stages = tree.filter((n) => /^conv[2-5]$/.test(n.label))
    expect(stages.map((s) => s.children.length)).toEqual([3, 4, 6, 3])
    for (const stage of stages)
      for (const block of stage.children) {
        expect(block.label).toMatch(/^conv\d_block\d+$/)
        expect(typesIn(resnet50, block).filter((t) => t === 'Add')).toHaveLength(1)
        expect(resnet50[block.layerIndices.at(-1)].name).toBe(`${block.label}_out`)
      }
    // every layer exactly once
    expect(everyIndex(tree)).toEqual(resnet50.map((_, i) => i))
  })

  it('DenseNet121: dense blocks of 6, 12, 24 and 16 units, each unit ending in its Concatenate', () => {
    const tree = detectBlocks(densenet121)
    const stages = tree.filter((n) => n.kind === 'block' && n.children.every((c) => c.kind === 'block'))
    expect(stages.map((s) => [s.label, s.children.length])).toEqual([
      ['conv2', 6],
      ['conv3', 12],
      ['conv4', 24],
      ['conv5', 16],
    ])
    for (const unit of stages.flatMap((s) => s.children))
      expect(densenet121[unit.layerIndices.at(-1)].type).toBe('Concatenate')
    expect(top(tree)).toContain('[pool2]') // a transition layer group
    expect(tree.length).toBeLessThan(20)
    expect(everyIndex(tree)).toEqual(densenet121.map((_, i) => i))
  })

  it('MobileNetV2: one block per inverted-residual block, Adds inside the ten with a shortcut', () => {
    const tree = detectBlocks(mobilenet)
    const blocks = tree.filter((n) => n.kind === 'block' && /^block_\d+$/.test(n.label))
    expect(blocks.map((b) => b.label)).toEqual(Array.from({ length: 16 }, (_, i) => `block_${i + 1}`))
    const withAdd = blocks.filter((b) => typesIn(mobilenet, b).includes('Add')).map((b) => b.label)
    expect(withAdd).toEqual([2, 4, 5, 7, 8, 9, 11, 12, 14, 15].map((i) => `block_${i}`))
    expect(tree.length).toBeLessThan(40)
    expect(everyIndex(tree)).toEqual(mobilenet.map((_, i) => i))
  })
})

describe('cuts, columns and paths', () => {
  const mini = [
    { name: 'conv_a', inbound: ['image'] },
    { name: 'conv_b', inbound: ['conv_a'] },
    { name: 'add', inbound: ['conv_a', 'conv_b'] },
    { name: 'relu', inbound: ['add'] },
  ]
  it('a layer jumped over by a shortcut is no cut', () => {
    expect(cutLayers(mini)).toEqual([true, false, true, true])
  })
  it('expanding a block lists an open marker, then its children', () => {
    const tree = detectBlocks(resnet50)
    const kinds = (cols) => cols.map((c) => (c.kind === 'layer' ? c.name : `${c.kind}:${c.block.label}`))
    expect(kinds(flattenColumns(tree, new Set()))).toHaveLength(8)
    const open = kinds(flattenColumns(tree, new Set(['conv2'])))
    expect(open.slice(2, 6)).toEqual(['open:conv2', 'block:conv2_block1', 'block:conv2_block2', 'block:conv2_block3'])
    const index = resnet50.findIndex((l) => l.name === 'conv3_block2_2_conv')
    expect(blocksContaining(tree, index)).toEqual(['conv3', 'conv3_block2'])
    const deep = flattenColumns(tree, new Set(blocksContaining(tree, index)))
    expect(deep.some((c) => c.kind === 'layer' && c.name === 'conv3_block2_2_conv')).toBe(true)
  })
})
