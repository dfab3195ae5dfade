/**
 * A running job in words: a headline per job kind, the worker's own sentence for the stage it
 * is in ("t-SNE: iteration 250 of 750"), and the time left where the stage can estimate it.
 */

/** What each kind of job does, while it runs. */
export const RUNNING_TEXT = {
  analysis: 'Running the network on your image…',
  explanation: 'Computing the attribution map…',
  'trust-check': 'Running the trust checks…',
  evaluation: 'Classifying the test images…',
  embedding: 'Making the map of the test images…',
  'top-activations': 'Finding the images this filter responds to most…',
  'filter-ranking': 'Ranking the filters…',
  'feature-vis': 'Optimising the pictures…',
  'filter-attribution': 'Tracing what made each filter fire…',
  'network-registration': 'Checking the model…',
  'dataset-registration': 'Checking the dataset…',
  comparison: 'Comparing the two networks…',
  training: 'Training your network…',
}

export function runningText(kind) {
  return RUNNING_TEXT[kind] || 'Working on it…'
}

/** 4.2 → "about 5 s left", 95 → "about 1 min 35 s left"; null for no estimate. */
export function etaText(seconds) {
  if (seconds === null || seconds === undefined || !Number.isFinite(seconds) || seconds < 0) return null
  if (seconds < 1) return 'almost done'
  // up to 10 s to the second, then to 5 s: an estimate, not a stopwatch
  if (seconds < 60) return `about ${seconds <= 10 ? Math.ceil(seconds) : Math.ceil(seconds / 5) * 5} s left`
  const minutes = Math.floor(seconds / 60)
  const rest = Math.round((seconds - minutes * 60) / 5) * 5
  if (minutes >= 10) return `about ${Math.round(seconds / 60)} min left`
  return rest ? `about ${minutes} min ${rest} s left` : `about ${minutes} min left`
}
