import { beforeEach, describe, expect, it, vi } from 'vitest'

// a fresh registry per test: the module keeps its state at module level on purpose
let reg
beforeEach(async () => {
  vi.resetModules()
  reg = await import('./session-caches')
})

describe('session cache registry', () => {
  it('clears every registered cache when the session ends', () => {
    const a = vi.fn()
    const b = vi.fn()
    reg.registerSessionCache('a', a)
    reg.registerSessionCache('b', b)
    reg.endSession()
    expect(a).toHaveBeenCalledTimes(1)
    expect(b).toHaveBeenCalledTimes(1)
  })

  it('keeps clearing the others when one clear throws, then reports it', () => {
    const after = vi.fn()
    reg.registerSessionCache('broken', () => {
      throw new Error('boom')
    })
    reg.registerSessionCache('after', after)
    expect(() => reg.clearSessionCaches()).toThrow(AggregateError)
    expect(after).toHaveBeenCalled()
  })

  it('clears on a change of user, not when the same user is confirmed again', () => {
    const clear = vi.fn()
    reg.registerSessionCache('c', clear)
    reg.setSessionUser(1) // first answer of /me: nothing to forget yet
    expect(clear).not.toHaveBeenCalled()
    reg.setSessionUser(1)
    expect(clear).not.toHaveBeenCalled()
    reg.setSessionUser(2) // someone else signed in in the same tab
    expect(clear).toHaveBeenCalledTimes(1)
    reg.endSession()
    expect(clear).toHaveBeenCalledTimes(2)
    reg.setSessionUser(null) // /me after log-out: already forgotten, no second clear
    expect(clear).toHaveBeenCalledTimes(2)
  })

  it('unregisters only its own clear function', () => {
    const first = vi.fn()
    const second = vi.fn()
    const dropFirst = reg.registerSessionCache('x', first)
    reg.registerSessionCache('x', second)
    dropFirst()
    expect(reg.sessionCacheNames()).toEqual(['x'])
    reg.clearSessionCaches()
    expect(first).not.toHaveBeenCalled()
    expect(second).toHaveBeenCalled()
  })
})

describe('sessionCache', () => {
  it('is emptied with the session and registered under its name', () => {
    const cache = reg.sessionCache('results')
    cache.set('k', 1)
    expect(reg.sessionCacheNames()).toContain('results')
    reg.endSession()
    expect(cache.has('k')).toBe(false)
    expect(cache.size).toBe(0)
  })

  it('drops a value asked for before the session ended (a late answer)', () => {
    const cache = reg.sessionCache('late')
    const askedIn = reg.sessionEpoch()
    reg.endSession()
    expect(cache.set('k', "the old user's result", askedIn)).toBe(false)
    expect(cache.has('k')).toBe(false)
    expect(cache.set('k', 'new', reg.sessionEpoch())).toBe(true)
    expect(cache.get('k')).toBe('new')
  })

  it('forgets the least recently written entries beyond max', () => {
    const cache = reg.sessionCache('lru', { max: 2 })
    cache.set('a', 1)
    cache.set('b', 2)
    cache.set('a', 3) // rewritten: now the newest
    cache.set('c', 4)
    expect([...cache.keys()]).toEqual(['a', 'c'])
  })
})
