import { describe, expect, it } from 'vitest'
import { etaText, runningText } from './job-words'

describe('a running job in words', () => {
  it('says what each kind of job does', () => {
    expect(runningText('embedding')).toBe('Making the map of the test images…')
    expect(runningText('analysis')).toBe('Running the network on your image…')
    expect(runningText('something-new')).toBe('Working on it…')
  })

  it('writes the time left plainly, rounded as a person would', () => {
    expect(etaText(null)).toBeNull()
    expect(etaText(undefined)).toBeNull()
    expect(etaText(0.4)).toBe('almost done')
    expect(etaText(4.2)).toBe('about 5 s left')
    expect(etaText(8)).toBe('about 8 s left')
    expect(etaText(21)).toBe('about 25 s left')
    expect(etaText(95)).toBe('about 1 min 35 s left')
    expect(etaText(120)).toBe('about 2 min left')
    expect(etaText(1500)).toBe('about 25 min left')
  })
})
