import { effectScope, nextTick } from 'vue'
import { describe, expect, it, vi } from 'vitest'

// the poller asks GET /api/jobs/{id}/ until the job ends: here it answers from a script
const polled = []
vi.mock('@/api/endpoints/jobs', () => ({
  jobsApi: {
    get: vi.fn(async () => polled.shift()),
    cancel: vi.fn(async (id) => ({ id, status: 'cancelled' })),
  },
}))
const { jobsApi } = await import('@/api/endpoints/jobs')
const { runJob, useJobRun, JobFailedError } = await import('./use-job-run')

describe('runJob', () => {
  it('uses the answer when it came back already finished (a cached result)', async () => {
    const answer = { id: 4, job: { id: 9, status: 'succeeded', progress: 1 }, summary: { accuracy: 0.9 } }
    const fetch = vi.fn()
    const onSubmitted = vi.fn()
    const r = await runJob({ submit: async () => answer, fetch }, { onSubmitted })
    expect(r.result).toBe(answer)
    expect(fetch).not.toHaveBeenCalled()
    expect(onSubmitted).toHaveBeenCalledWith(answer)
  })

  it('reads the object again when the job finished without its summary', async () => {
    const answer = { id: 4, job: { id: 9, status: 'succeeded' }, summary: null }
    const full = { ...answer, summary: { count: 3 } }
    const fetch = vi.fn(async (a) => ({ ...full, id: a.id }))
    const onFetching = vi.fn()
    expect((await runJob({ submit: async () => answer, fetch }, { onFetching })).result).toEqual(full)
    expect(fetch).toHaveBeenCalledWith(answer, answer.job, undefined)
    expect(onFetching).toHaveBeenCalled()
  })

  it("throws the job's own message when it failed", async () => {
    const failed = { id: 1, job: { id: 2, status: 'failed', message: 'Layer "x" has no spatial output.' } }
    await expect(runJob({ submit: async () => failed })).rejects.toThrow('Layer "x" has no spatial output.')
    const cancelled = { id: 1, job: { id: 2, status: 'cancelled' } }
    const error = await runJob({ submit: async () => cancelled }).catch((e) => e)
    expect(error).toBeInstanceOf(JobFailedError)
    expect(error.message).toMatch('cancelled')
    expect(error.job.status).toBe('cancelled')
  })

  it('follows a queued job through its progress to the end', async () => {
    polled.push(
      { id: 2, status: 'running', progress: 0.5 },
      { id: 2, status: 'succeeded', progress: 1, result: { n: 1 } },
    )
    const seen = []
    const r = await runJob(
      { submit: async () => ({ id: 1, job: { id: 2, status: 'queued' } }) },
      { onJob: (j) => seen.push(j.status) },
    )
    expect(seen).toEqual(['queued', 'running', 'succeeded'])
    expect(r.job.result).toEqual({ n: 1 })
  })
})

describe('useJobRun', () => {
  function inScope(fn) {
    const scope = effectScope()
    return { value: scope.run(fn), scope }
  }

  it('walks the phases and keeps the result, its artifacts and the last job state', async () => {
    const answer = { id: 3, job: { id: 7, status: 'succeeded' }, summary: { ok: true } }
    const { value: run, scope } = inScope(() => useJobRun({ then: async (r) => ({ extraFor: r.id }) }))
    const phases = []
    const done = run.run({ submit: async () => answer })
    phases.push(run.phase.value)
    await done
    phases.push(run.phase.value)
    expect(phases).toEqual(['starting', 'done'])
    expect(run.result.value).toBe(answer)
    expect(run.extra.value).toEqual({ extraFor: 3 })
    expect(run.job.value.status).toBe('succeeded')
    scope.stop()
  })

  it('words a failed job for the page, and keeps the job for its details', async () => {
    const { value: run, scope } = inScope(() => useJobRun({ failure: (job) => `refused: ${job.message}` }))
    await run.run({ submit: async () => ({ id: 1, job: { id: 2, status: 'failed', message: 'bad file' } }) })
    expect(run.phase.value).toBe('error')
    expect(run.error.value).toBe('refused: bad file')
    expect(run.job.value.message).toBe('bad file')
    scope.stop()
  })

  it('a newer run wins over an older one still in flight', async () => {
    const { value: run, scope } = inScope(() => useJobRun())
    let release
    const slow = run.run({ submit: () => new Promise((resolve) => (release = resolve)) })
    const fast = run.run({ submit: async () => ({ id: 2, job: { id: 2, status: 'succeeded' }, summary: 'new' }) })
    await fast
    release({ id: 1, job: { id: 1, status: 'succeeded' }, summary: 'old' })
    await slow
    await nextTick()
    expect(run.result.value.summary).toBe('new')
    scope.stop()
  })

  it('cancel asks the server to stop the running job', async () => {
    const { value: run, scope } = inScope(() => useJobRun())
    polled.push({ id: 5, status: 'cancelled', message: '' })
    const done = run.run({ submit: async () => ({ id: 1, job: { id: 5, status: 'queued' } }) })
    await Promise.resolve()
    await Promise.resolve()
    await run.cancel()
    expect(jobsApi.cancel).toHaveBeenCalledWith(5)
    await done
    expect(run.phase.value).toBe('error')
    expect(run.error.value).toBe('The job was cancelled.')
    scope.stop()
  })
})
