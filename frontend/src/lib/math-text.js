/**
 * The plain-language line ("what am I looking at") and the "try this" prompt of each detail
 * view, by the kind an explanation from layer-math.js carries.
 */
export const MATH_TEXT = {
  conv: {
    what: 'A convolution value is a weighted sum: the small window of the input under the kernel, every input channel times its own slice of the kernel, all added up, plus one bias; then the activation.',
    try:
      'Point at a cell on the edge of the shape, then at one in the empty background: see which input channels' +
      ' parts change and how the bias alone decides the background.',
  },
  depthwise: {
    what: 'A depthwise convolution value is a weighted sum over one input channel only: the small window of that channel under its own kernel, plus one bias; then the activation. Channels are mixed later, by a 1×1 convolution.',
    try: 'Point at the same cell in two neighbouring output channels: each reads a different input channel.',
  },
  'max-pool': {
    what: 'Max pooling keeps only the largest value of each small window, so the map gets smaller while the strongest signals survive.',
    try: 'Point at neighbouring cells and watch the ringed winner jump inside its window.',
  },
  'avg-pool': {
    what: 'Average pooling replaces each small window by the mean of its values, so the map gets smaller and smoother.',
    try: 'Compare a window on the shape with one on the background: the mean blurs sharp peaks.',
  },
  'global-avg': {
    what: 'Global average pooling turns each whole channel into one number, its mean: "how much of this pattern is in the image, anywhere".',
    try: 'Point at the largest values: which channels does the network rely on for this image?',
  },
  'global-max': {
    what: 'Global max pooling turns each whole channel into one number, its largest value: "is this pattern somewhere in the image".',
    try: 'Point at a value and find its ringed cell in the channel map.',
  },
  flatten: {
    what: "Flatten changes no number: it lays the 3-D block of maps out as one long list, row by row, each cell's channels side by side, so a dense layer can read it.",
    try: 'Point at value 0, then 1, then 2: the channel changes first, then the column, then the row.',
  },
  dense: {
    what: 'A dense value is a weighted sum of every input value, plus a bias. The largest contributions are listed; the rest are added up in one line.',
    try: 'Point at the winning class, then at a losing one: which inputs push for one and against the other?',
  },
  softmax: {
    what: 'Softmax turns the scores into probabilities: e to the power of each score, divided by the sum of all of them, so they are positive and add up to 1.',
    try: 'Notice how a score only a few points higher takes almost all of the probability.',
  },
  elementwise: {
    what: 'This layer changes each value on its own, with the same formula everywhere; no neighbours, no weights.',
    try: 'Point at a cell that is 0 here and find out what it was before (a negative number, for ReLU).',
  },
  batchnorm: {
    what: 'Batch normalisation rescales each channel with four numbers learned in training: subtract the mean, divide by the spread, then scale by γ and shift by β.',
    try: 'Compare two channels: the same input value can come out very differently because each has its own four numbers.',
  },
}
