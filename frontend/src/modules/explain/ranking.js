/**
 * The ranking of attribution methods for one image, pure: by faithfulness score
 * (insertion AUC − deletion AUC), best first; methods without a finished trust check last.
 */

/**
 * @param {{method: string, title?: string, summary: object|null}[]} checks
 * @returns {{rank: number|null, method: string, title: string, deletion: number|null, insertion: number|null,
 *   score: number|null, randomScore: number|null, vsRandom: number|null, finalCorrelation: number|null,
 *   passes: boolean|null}[]}
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
      passes: r ? (r.passes ?? null) : null,
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

/** 'pass' | 'fail' | 'none' for a randomisation result (passes: true / false / null). */
export function passBadge(passes) {
  return passes === true ? 'pass' : passes === false ? 'fail' : 'none'
}
