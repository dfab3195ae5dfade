/**
 * Pure helpers for the dataset-level summary: per-class bars, the confusion matrix cells and the
 * misclassification chord matrix. Confusion matrices are rows = true class, columns = predicted.
 */

/** The chord diagram's matrix: the confusion matrix with its diagonal (the correct answers) zeroed. */
export function chordMatrix(confusion = []) {
  return confusion.map((row, i) => row.map((v, j) => (i === j ? 0 : Number(v) || 0)))
}

/** Sum of all off-diagonal counts (the number of mistakes). */
export function mistakeCount(confusion = []) {
  let n = 0
  confusion.forEach((row, i) => row.forEach((v, j) => (n += i === j ? 0 : Number(v) || 0)))
  return n
}

/**
 * One entry per class for the precision / recall chart.
 * @returns {{index: number, label: string, precision: number|null, recall: number|null, support: number}[]}
 */
export function classBars(summary) {
  if (!summary?.labels) return []
  const { labels, precision = [], recall = [], support = [] } = summary
  const num = (v) => (v === null || v === undefined || Number.isNaN(Number(v)) ? null : Number(v))
  return labels.map((label, index) => ({
    index,
    label,
    precision: num(precision[index]),
    recall: num(recall[index]),
    support: Number(support[index] ?? 0),
  }))
}

/**
 * The confusion matrix as cells with the share of their row (how often a true class gets this
 * answer): the colour follows the share, the text shows the count.
 * @returns {{row: number, col: number, count: number, share: number, correct: boolean}[]}
 */
export function confusionCells(confusion = []) {
  const cells = []
  confusion.forEach((row, i) => {
    const total = row.reduce((a, b) => a + (Number(b) || 0), 0)
    row.forEach((v, j) => {
      const count = Number(v) || 0
      cells.push({ row: i, col: j, count, share: total > 0 ? count / total : 0, correct: i === j })
    })
  })
  return cells
}

/** The n largest off-diagonal counts, largest first: "true → predicted, count". */
export function topConfusions(confusion = [], labels = [], n = 3) {
  const out = []
  confusion.forEach((row, i) =>
    row.forEach((v, j) => {
      if (i !== j && v > 0)
        out.push({ true: i, predicted: j, count: Number(v), trueLabel: labels[i], predictedLabel: labels[j] })
    }),
  )
  out.sort((a, b) => b.count - a.count || a.true - b.true || a.predicted - b.predicted)
  return out.slice(0, n)
}

/** The words of a chord ribbon: both directions between classes a and b. */
export function ribbonCounts(confusion, a, b) {
  return { ab: Number(confusion?.[a]?.[b] ?? 0), ba: Number(confusion?.[b]?.[a] ?? 0) }
}

/** Mistakes of one class as an arc: how many of its images went wrong, and how many others were called it. */
export function arcCounts(confusion, i) {
  let out = 0
  let into = 0
  const k = confusion?.length ?? 0
  for (let j = 0; j < k; j++) {
    if (j === i) continue
    out += Number(confusion[i][j]) || 0
    into += Number(confusion[j][i]) || 0
  }
  return { out, into }
}

/** Above this many classes the matrix, the chord diagram and the bars show a focus of them. */
export const FOCUS_CLASSES = 30

/**
 * The classes worth drawing when there are too many to draw (an ImageNet network has 1000): those
 * with the most test images or answers, at most `max`, in class order. Returns the class indices
 * (all of them when there are few), the sub-matrix and its labels.
 * @returns {{indices: number[], confusion: number[][], labels: string[], focused: boolean, total: number}}
 */
export function focusClasses(confusion = [], labels = [], max = FOCUS_CLASSES) {
  const k = confusion.length
  if (k <= max) return { indices: [...Array(k).keys()], confusion, labels, focused: false, total: k }
  const weight = new Array(k).fill(0)
  confusion.forEach((row, i) =>
    row.forEach((v, j) => {
      const n = Number(v) || 0
      weight[i] += n
      if (j !== i) weight[j] += n
    }),
  )
  const indices = [...Array(k).keys()]
    .filter((i) => weight[i] > 0)
    .sort((a, b) => weight[b] - weight[a] || a - b)
    .slice(0, max)
    .sort((a, b) => a - b)
  return {
    indices,
    confusion: indices.map((i) => indices.map((j) => Number(confusion[i][j]) || 0)),
    labels: indices.map((i) => labels[i] ?? String(i)),
    focused: true,
    total: k,
  }
}
