import { describe, expect, it } from 'vitest'
import { canTeach, imageChoices, moved, stepBody, viewLabel } from './lessons'
import { expiryText } from './share-links'

describe('lesson helpers', () => {
  it('moves a step up and down, and not past the ends', () => {
    expect(moved(['a', 'b', 'c'], 0, 1)).toEqual(['b', 'a', 'c'])
    expect(moved(['a', 'b', 'c'], 2, -1)).toEqual(['a', 'c', 'b'])
    expect(moved(['a', 'b'], 0, -1)).toEqual(['a', 'b'])
  })

  it('writes a step back as the API reads it: an image id, else the sample', () => {
    const view = { kind: 'layer', layer: 'conv_1_1' }
    expect(stepBody({ network: 1, image: 5, sample: { dataset: 'd', index: 2 }, view, note: 'n', id: 9 })).toEqual({
      network: 1,
      image: 5,
      view,
      note: 'n',
    })
    expect(stepBody({ network: 1, image: null, sample: { dataset: 'd', index: 2 }, view })).toEqual({
      network: 1,
      sample: { dataset: 'd', index: 2 },
      view,
      note: '',
    })
    expect(viewLabel(view)).toBe('One layer, all its maps · conv_1_1')
  })

  it('names the channel of a "how a conv channel is made" step', () => {
    expect(viewLabel({ kind: 'intermediate', layer: 'conv_1_2', channel: 3 })).toBe(
      'How a conv channel is made · conv_1_2 · channel 3',
    )
  })

  it("offers the lesson's images once, then the teacher's uploads (never a sample twice)", () => {
    const steps = [
      { image: 4, image_url: '/i/4', sample: { dataset: 'fashion-mnist', index: 1 } },
      { image: 9, image_url: '/i/9', sample: null },
      { image: 4, image_url: '/i/4', sample: { dataset: 'fashion-mnist', index: 1 } },
      { image: null, image_url: '/s/2', sample: { dataset: 'fashion-mnist', index: 2 } }, // not saved yet
    ]
    const images = [
      { id: 12, source: 'upload', url: '/i/12' },
      { id: 9, source: 'upload', url: '/i/9' },
      { id: 7, source: 'sample', url: '/i/7' },
    ]
    expect(imageChoices(steps, images).map((c) => [c.index, c.label_name])).toEqual([
      [4, 'sample 1'],
      [9, 'in this lesson'],
      [12, 'your upload'],
    ])
  })

  it('lets teachers and administrators write lessons', () => {
    expect(canTeach(null)).toBe(false)
    expect(canTeach({ roles: ['user'] })).toBe(false)
    expect(canTeach({ roles: ['user', 'teacher'] })).toBe(true)
    expect(canTeach({ roles: ['user', 'admin'] })).toBe(true)
    expect(canTeach({ is_staff: true })).toBe(true)
  })

  it('says when a link stops working', () => {
    const now = Date.parse('2026-01-01T00:00:00Z')
    expect(expiryText(null, now)).toBe('never expires')
    expect(expiryText('2026-01-08T00:00:00Z', now)).toMatch(/^expires in 7 days/)
    expect(expiryText('2026-01-01T12:00:00Z', now)).toBe('expires within a day')
    expect(expiryText('2025-12-31T00:00:00Z', now)).toMatch(/^expired/)
  })
})
