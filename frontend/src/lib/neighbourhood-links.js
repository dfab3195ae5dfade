/**
 * Where the neighbourhood view ("Why this answer?") can be opened from: links from Evaluate and
 * Explore to a test picture of a network's dataset, only for datasets that ship a VAE.
 */

/** Datasets that ship a VAE (model_zoo/vae/store.py ZOO_VAES): only their pictures have a neighbourhood. */
export const VAE_DATASETS = ['fashion-mnist', 'digits']
export const hasVae = (dataset) => VAE_DATASETS.includes(dataset)

/** The router location of the neighbourhood view for one test picture of a network's dataset. */
export function neighbourhoodLocation(network, index) {
  return { name: 'neighbourhood', query: { network: String(network), index: String(index) } }
}
