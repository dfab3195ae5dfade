/** The explorer's "dataset" for networks registered without one (not a valid dataset name). */
export const NO_DATASET = '~none'
