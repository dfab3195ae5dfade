import { describe, expect, it, vi } from 'vitest'
import { needsReveal, revealPanel } from './reveal'

const fakeWindow = (reduce) => ({
  innerHeight: 844,
  requestAnimationFrame: (f) => f(),
  matchMedia: () => ({ matches: reduce }),
})

describe('revealing an opened panel', () => {
  it('scrolls only a panel under the fold or above the top', () => {
    expect(needsReveal({ top: 843 }, 844)).toBe(true) // the phone case: its top on the last line
    expect(needsReveal({ top: -200 }, 844)).toBe(true)
    expect(needsReveal({ top: 120 }, 844)).toBe(false)
    expect(needsReveal(null, 844)).toBe(false)
  })

  it('scrolls to the panel smoothly, or at once when motion is reduced', () => {
    for (const reduce of [false, true]) {
      const el = { getBoundingClientRect: () => ({ top: 900, height: 300 }), scrollIntoView: vi.fn() }
      revealPanel(() => el, fakeWindow(reduce))
      expect(el.scrollIntoView).toHaveBeenCalledWith({ behavior: reduce ? 'auto' : 'smooth', block: 'start' })
    }
    const seen = { getBoundingClientRect: () => ({ top: 10, height: 300 }), scrollIntoView: vi.fn() }
    revealPanel(seen, fakeWindow(false))
    expect(seen.scrollIntoView).not.toHaveBeenCalled()
  })

  it('waits for a panel still loading to take its height before deciding', () => {
    let height = 0
    let frames = 0
    const win = { ...fakeWindow(true), requestAnimationFrame: (f) => (++frames === 5 && (height = 400), f()) }
    const el = { getBoundingClientRect: () => ({ top: height ? 700 : 830, height }), scrollIntoView: vi.fn() }
    revealPanel(el, win)
    expect(el.scrollIntoView).toHaveBeenCalledTimes(1)
    expect(frames).toBeGreaterThanOrEqual(5)
  })
})
