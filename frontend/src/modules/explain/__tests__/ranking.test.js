import { describe, expect, it } from 'vitest'
import { VERDICT_BADGE, rankMethods, verdictOf } from '../ranking'

const summary = (del, ins, verdicts = ['pass', 'pass'], rnd = [0.3, 0.3]) => ({
  faithfulness: {
    deletion: { auc: del },
    insertion: { auc: ins },
    score: ins - del,
    verdict: verdicts[1],
    reason: 'f',
  },
  random_baseline: { deletion: { auc: rnd[0] }, insertion: { auc: rnd[1] }, score: rnd[1] - rnd[0] },
  randomisation: { final_correlation: 0.1, similarity: 0.2, verdict: verdicts[0], reason: 'r' },
})

describe('rankMethods', () => {
  it('orders by insertion AUC − deletion AUC, best first', () => {
    const rows = rankMethods([
      { method: 'gradient', summary: summary(0.4, 0.6) },
      { method: 'occlusion', summary: summary(0.1, 0.9) },
      { method: 'gradcam', summary: summary(0.35, 0.5, ['fail', 'unchecked']) },
    ])
    expect(rows.map((r) => r.method)).toEqual(['occlusion', 'gradient', 'gradcam'])
    expect(rows.map((r) => r.rank)).toEqual([1, 2, 3])
    expect(rows[0].score).toBeCloseTo(0.8)
    expect(rows[0].vsRandom).toBeCloseTo(0.8)
    expect(rows[0].similarity).toBeCloseTo(0.2)
    expect(rows[2].randomisation).toEqual({ verdict: 'fail', reason: 'r', rule: '' })
    expect(rows[2].faithfulness.verdict).toBe('unchecked')
  })

  it('shows the verdicts it was given, even where the numbers seem to disagree', () => {
    // a score far above random but judged 'fail' by the worker's rule stays 'fail'
    const rows = rankMethods([{ method: 'x', summary: summary(0.1, 0.9, ['pass', 'fail']) }])
    expect(rows[0].vsRandom).toBeGreaterThan(0)
    expect(rows[0].faithfulness.verdict).toBe('fail')
  })

  it('puts unfinished checks last, unranked, without a verdict', () => {
    const rows = rankMethods([
      { method: 'smoothgrad', summary: null },
      { method: 'gradient', summary: summary(0.4, 0.6) },
    ])
    expect(rows.map((r) => [r.method, r.rank])).toEqual([
      ['gradient', 1],
      ['smoothgrad', null],
    ])
    expect(rows[1].randomisation.verdict).toBe('none')
    expect(rows[1].faithfulness.verdict).toBe('none')
  })

  it('computes the score when the summary has none', () => {
    const s = summary(0.2, 0.7)
    delete s.faithfulness.score
    expect(rankMethods([{ method: 'x', summary: s }])[0].score).toBeCloseTo(0.5)
  })
})

describe('verdictOf', () => {
  it('keeps pass / fail / unchecked and marks anything else as no verdict', () => {
    expect(verdictOf({ verdict: 'pass', reason: 'ok', rule: 'R' })).toEqual({
      verdict: 'pass',
      reason: 'ok',
      rule: 'R',
    })
    expect(verdictOf({ verdict: 'unchecked' }).verdict).toBe('unchecked')
    expect(verdictOf({ passes: true }).verdict).toBe('none') // an old report: no verdict, not a pass
    expect(verdictOf(null).verdict).toBe('none')
    expect(VERDICT_BADGE.unchecked.text).toBe('could not be checked')
  })
})
