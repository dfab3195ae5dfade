/**
 * The ranking of attribution methods for one image, pure: by faithfulness score
 * (insertion AUC − deletion AUC), best first; methods without a finished trust check last.
 */

/**
 * @param {{method: string, title?: string, summary: object|null}[]} checks
 * Verdicts are the worker's (summary.randomisation.verdict, summary.faithfulness.verdict, decided by
 * worker/techniques/attribution/trust_rules.py): this page shows them, it never decides one itself.
 * @returns {{rank: number|null, method: string, title: string, deletion: number|null, insertion: number|null,
 *   score: number|null, randomScore: number|null, vsRandom: number|null, finalCorrelation: number|null,
 *   similarity: number|null, randomisation: {verdict: string, reason: string},
 *   faithfulness: {verdict: string, reason: string}}[]}
 */
export function rankMethods(checks) {
  const rows = checks.map(({ method, title, summary }) => {
    const f = summary?.faithfulness
    const rnd = summary?.random_baseline
    const r = summary?.randomisation
    const score = num(f?.score ?? (f ? f.insertion?.auc - f.deletion?.auc : null))
    const randomScore = num(rnd?.score ?? (rnd ? rnd.insertion?.auc - rnd.deletion?.auc : null))
    return {
      rank: null,
      method,
      title: title || method,
      deletion: num(f?.deletion?.auc),
      insertion: num(f?.insertion?.auc),
      score,
      randomScore,
      vsRandom: score !== null && randomScore !== null ? score - randomScore : null,
      finalCorrelation: num(r?.final_correlation),
      similarity: num(r?.similarity),
      randomisation: verdictOf(r),
      faithfulness: verdictOf(f),
    }
  })
  const scored = rows
    .filter((r) => r.score !== null)
    .sort((a, b) => b.score - a.score || a.method.localeCompare(b.method))
  scored.forEach((r, i) => (r.rank = i + 1))
  return [...scored, ...rows.filter((r) => r.score === null)]
}

function num(v) {
  return typeof v === 'number' && Number.isFinite(v) ? v : null
}

const VERDICTS = ['pass', 'fail', 'unchecked']

/**
 * One check's verdict as the worker gave it: {verdict: 'pass'|'fail'|'unchecked'|'none', reason, rule};
 * 'none' when there is no verdict yet (not finished, or a report from before verdicts were stored).
 */
export function verdictOf(check) {
  const verdict = VERDICTS.includes(check?.verdict) ? check.verdict : 'none'
  return { verdict, reason: typeof check?.reason === 'string' ? check.reason : '', rule: check?.rule || '' }
}

/** How a verdict is shown: the badge's words and Bootstrap classes (grey when it could not be checked). */
export const VERDICT_BADGE = {
  pass: { text: 'pass', cls: 'text-bg-success' },
  fail: { text: 'fail', cls: 'text-bg-danger' },
  unchecked: { text: 'could not be checked', cls: 'text-bg-secondary' },
  none: { text: '—', cls: 'text-bg-light border' },
}
