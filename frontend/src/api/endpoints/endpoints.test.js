import { describe, expect, it } from 'vitest'
import { sampleImageUrl } from './datasets'
import { annotationsApi } from './annotations'
import { queryString } from './query'

describe('endpoint URL helpers', () => {
  it('builds query strings from the set filters only', () => {
    expect(queryString({ true: 0, predicted: 3, misclassified: null, offset: 0, limit: 24 })).toBe(
      '?true=0&predicted=3&offset=0&limit=24',
    )
    expect(queryString({})).toBe('')
  })

  it('escapes names in the URLs it builds', () => {
    expect(sampleImageUrl('fashion-mnist', 12)).toBe('/api/datasets/fashion-mnist/samples/12/image/')
    expect(sampleImageUrl('a b', 1)).toBe('/api/datasets/a%20b/samples/1/image/')
    expect(annotationsApi.exportUrl(3, 'csv')).toBe('/api/annotations/export/?network=3&format=csv')
  })
})
