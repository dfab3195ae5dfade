/** On-screen sizes and counts of the network views (overview strip, layer panel, kernels). */

/** How many channels of a layer the compact overview shows. */
export const PREVIEW_CHANNELS = 6
/** On-screen size (CSS px) of one small activation map in the overview. */
export const PREVIEW_MAP_PX = 64
/** On-screen size (CSS px) of the longer side of one map in the layer view. */
export const LAYER_MAP_PX = 120
/** On-screen size (CSS px) of one kernel cell grid in the layer view. */
export const KERNEL_MAP_PX = 30
/** How many output / input channels of kernels the layer view shows before "show all". */
export const KERNEL_PREVIEW = 8
/** How many maps of an opened layer are drawn at first (then a page more on demand). */
export const PANEL_PAGE = 64
/** Maps per column on a side row of the overview (a shortcut beside the main path). */
export const SIDE_CHANNELS = 2
