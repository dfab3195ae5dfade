import { describe, expect, it } from 'vitest'
import { passBadge, rankMethods } from '../ranking'

const summary = (del, ins, passes = true, rnd = [0.3, 0.3]) => ({
  faithfulness: { deletion: { auc: del }, insertion: { auc: ins }, score: ins - del },
  random_baseline: { deletion: { auc: rnd[0] }, insertion: { auc: rnd[1] }, score: rnd[1] - rnd[0] },
  randomisation: { final_correlation: 0.1, passes },
})

describe('rankMethods', () => {
  it('orders by insertion AUC − deletion AUC, best first', () => {
    const rows = rankMethods([
      { method: 'gradient', summary: summary(0.4, 0.6) },
      { method: 'occlusion', summary: summary(0.1, 0.9) },
      { method: 'gradcam', summary: summary(0.35, 0.5, false) },
    ])
    expect(rows.map((r) => r.method)).toEqual(['occlusion', 'gradient', 'gradcam'])
    expect(rows.map((r) => r.rank)).toEqual([1, 2, 3])
    expect(rows[0].score).toBeCloseTo(0.8)
    expect(rows[0].vsRandom).toBeCloseTo(0.8)
    expect(rows[2].passes).toBe(false)
  })

  it('puts unfinished checks last, unranked', () => {
    const rows = rankMethods([
      { method: 'smoothgrad', summary: null },
      { method: 'gradient', summary: summary(0.4, 0.6) },
    ])
    expect(rows.map((r) => [r.method, r.rank])).toEqual([
      ['gradient', 1],
      ['smoothgrad', null],
    ])
    expect(rows[1].passes).toBe(null)
  })

  it('computes the score when the summary has none', () => {
    const s = summary(0.2, 0.7)
    delete s.faithfulness.score
    expect(rankMethods([{ method: 'x', summary: s }])[0].score).toBeCloseTo(0.5)
  })

  it('badges pass / fail / none', () => {
    expect(passBadge(true)).toBe('pass')
    expect(passBadge(false)).toBe('fail')
    expect(passBadge(null)).toBe('none')
  })
})
