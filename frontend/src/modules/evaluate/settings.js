/** Evaluate page constants: chart colours, sizes, page sizes and embedding sample sizes. */
import { ACCENT } from '@/config/color-scales'

/** Colours of the Evaluate charts: precision / recall bars, misclassified marks, selections. */
export const EVAL_COLORS = {
  precision: ACCENT,
  recall: '#f28e2b',
  wrong: '#1f2328',
  selection: ACCENT,
  box: '#e15759',
}
/**
 * Evaluate page sizes (CSS px) and limits: example thumbnails, scatter points, the hover radius,
 * the spatial grid cell (in screen px at the fitted zoom), zoom limits, examples per page, and
 * the embedding sample sizes offered.
 */
export const EVALUATE = {
  thumbPx: 64,
  topThumbPx: 56,
  pointRadius: 2.5,
  hoverRadiusPx: 10,
  gridCellPx: 12,
  zoom: { min: 0.5, max: 60, step: 1.15 },
  pageSize: 24,
  selectionPageSize: 24,
  subsets: [2000, 5000, null],
  defaultSubset: 2000,
}
