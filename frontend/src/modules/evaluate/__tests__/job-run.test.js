import { describe, expect, it, vi } from 'vitest'
import { runJob } from '@/composables/use-job-run'
import { sampleImageUrl } from '@/api/endpoints/datasets'
import { queryString } from '@/api/endpoints/query'

describe('runJob', () => {
  it('uses the created object when it came back already finished (a cached result)', async () => {
    const created = { id: 4, job: { id: 9, status: 'succeeded', progress: 1 }, summary: { accuracy: 0.9 } }
    const get = vi.fn()
    const onCreated = vi.fn()
    const r = await runJob(async () => created, get, { onCreated })
    expect(r).toBe(created)
    expect(get).not.toHaveBeenCalled()
    expect(onCreated).toHaveBeenCalledWith(created)
  })

  it('reads the object again when the job finished without its summary', async () => {
    const created = { id: 4, job: { id: 9, status: 'succeeded' }, summary: null }
    const full = { ...created, summary: { count: 3 } }
    const get = vi.fn(async (id) => ({ ...full, id }))
    expect(await runJob(async () => created, get)).toEqual(full)
    expect(get).toHaveBeenCalledWith(4, undefined)
  })

  it("throws the job's own message when it failed", async () => {
    const created = {
      id: 1,
      job: { id: 2, status: 'failed', message: 'Layer "x" has no spatial output.' },
      summary: null,
    }
    await expect(runJob(async () => created, vi.fn())).rejects.toThrow('Layer "x" has no spatial output.')
    const cancelled = { id: 1, job: { id: 2, status: 'cancelled' }, summary: null }
    await expect(runJob(async () => cancelled, vi.fn())).rejects.toThrow('cancelled')
  })
})

describe('evaluate api helpers', () => {
  it('builds query strings from the set filters only', () => {
    expect(queryString({ true: 0, predicted: 3, misclassified: null, offset: 0, limit: 24 })).toBe(
      '?true=0&predicted=3&offset=0&limit=24',
    )
    expect(queryString({})).toBe('')
    expect(sampleImageUrl('fashion-mnist', 12)).toBe('/api/datasets/fashion-mnist/samples/12/image/')
  })
})
