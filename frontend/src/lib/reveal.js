/**
 * Bringing a panel that was just opened into view. On a phone the layer strip is long and the
 * panel opens below it, under the fold, so a tap on a layer looked like nothing happened.
 */

/** Scroll when the panel's top is above the viewport or lower than this share of its height. */
export const REVEAL_BELOW = 0.4
/** How long to wait for an opened panel to take its height (frames, about 3 s). */
const MAX_WAIT_FRAMES = 180

/** Does a panel whose box is `rect` need scrolling to be seen in a viewport `height` px tall? */
export function needsReveal(rect, height) {
  if (!rect || !height) return false
  return rect.top < 0 || rect.top > height * REVEAL_BELOW
}

/**
 * After the panel has rendered (two frames: Vue's update, then layout at its real height),
 * scroll its top into view if it is not already there; smooth unless the reader asked for
 * reduced motion. `target` is an element or a function returning one.
 */
export function revealPanel(target, win = typeof window === 'undefined' ? null : window) {
  if (!win) return
  const frame = (f) => (win.requestAnimationFrame ? win.requestAnimationFrame(f) : setTimeout(f, 16))
  let frames = 0
  const look = () => {
    const el = typeof target === 'function' ? target() : target
    const rect = el?.getBoundingClientRect?.()
    // a panel whose code or numbers are still loading has no height yet: wait for it (~3 s),
    // or the scroll would stop at the end of the page, above where the panel then appears
    if (!rect || (!rect.height && frames++ < MAX_WAIT_FRAMES)) {
      if (frames < MAX_WAIT_FRAMES) frame(look)
      return
    }
    if (!needsReveal(rect, win.innerHeight)) return
    const reduce = win.matchMedia?.('(prefers-reduced-motion: reduce)').matches
    el.scrollIntoView?.({ behavior: reduce ? 'auto' : 'smooth', block: 'start' })
  }
  frame(() => frame(look))
}
