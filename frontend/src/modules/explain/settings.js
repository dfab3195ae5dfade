/** Explain page constants: overlay opacity and sizes, the methods compared by default (backend method names), curve colours. */
import { ACCENT } from '@/config/color-scales'

/** Attribution overlays: default opacity of the map over the image, and on-screen sizes (CSS px). */
export const OVERLAY = { opacity: 0.6, mainPx: 320, smallPx: 120, thumbPx: 44 }
/** Attribution methods shown side by side unless the user ticks others. */
export const DEFAULT_COMPARE = ['gradient', 'smoothgrad', 'integrated-gradients', 'gradcam', 'occlusion']
/** Trust-check charts: colours of the deletion / insertion curves and the random-map baseline. */
export const CURVE_COLORS = { deletion: '#b2182b', insertion: '#2166ac', baseline: '#6c757d', randomisation: ACCENT }
