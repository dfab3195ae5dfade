import { describe, expect, it } from 'vitest'
import {
  arithmeticText,
  defaultInput,
  fmt,
  formulaText,
  presetKernel,
  randomGrid,
  resizeGrid,
  unusedEdge,
} from '../playground'
import { conv2d } from '@/lib/conv-math'

describe('playground helpers', () => {
  it('fills in the output-size formula', () => {
    expect(formulaText(5, 3, 2, 1)).toBe('(5 + 2×1 − 3) / 2 + 1 = 3')
    expect(formulaText(6, 3, 2, 0)).toBe('⌊(6 + 2×0 − 3) / 2⌋ + 1 = ⌊1.5⌋ + 1 = 2')
    expect(formulaText(3, 5, 1, 0)).toContain('does not fit')
    expect(unusedEdge(6, 3, 2, 0)).toBe(1)
    expect(unusedEdge(5, 3, 2, 1)).toBe(0)
  })

  it('writes the arithmetic of a cell with its real numbers', () => {
    const { cells } = conv2d(
      [
        [1, 2],
        [3, 4],
      ],
      [
        [1, -1],
        [0, 2],
      ],
    )
    expect(arithmeticText(cells[0][0])).toBe('1×1 + 2×(-1) + 3×0 + 4×2 = 7')
  })

  it('makes presets of any size', () => {
    expect(presetKernel('edge', 3)).toEqual([
      [1, 0, -1],
      [1, 0, -1],
      [1, 0, -1],
    ])
    expect(presetKernel('sharpen', 3)).toEqual([
      [-1, -1, -1],
      [-1, 9, -1],
      [-1, -1, -1],
    ])
    expect(presetKernel('identity', 1)).toEqual([[1]])
    expect(presetKernel('blur', 2)).toEqual([
      [1, 1],
      [1, 1],
    ])
    expect(presetKernel('edge', 2)).toEqual([
      [1, -1],
      [1, -1],
    ])
  })

  it('starts from small integers and resizes keeping the top-left', () => {
    const g = defaultInput(5)
    expect(g.length).toBe(5)
    expect(g.flat().every((v) => Number.isInteger(v) && v >= 0 && v <= 3)).toBe(true)
    expect(
      resizeGrid(
        [
          [1, 2],
          [3, 4],
        ],
        3,
        () => 9,
      ),
    ).toEqual([
      [1, 2, 9],
      [3, 4, 9],
      [9, 9, 9],
    ])
    expect(
      resizeGrid(
        [
          [1, 2],
          [3, 4],
        ],
        1,
      ),
    ).toEqual([[1]])
    expect(randomGrid(2, 0, 5, () => 0.999)).toEqual([
      [5, 5],
      [5, 5],
    ])
    expect(fmt(0.1 + 0.2)).toBe('0.3')
    expect(fmt(-0)).toBe('0')
  })
})
