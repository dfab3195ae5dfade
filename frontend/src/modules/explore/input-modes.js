/**
 * Input modes of the explorer (draw, camera). The drawing pad is drawn at the network's
 * input size × `drawScale` and sent whole as a PNG: the server resizes it with the
 * network's own preprocessing. Drawing is offered only for small greyscale inputs.
 */
export const INPUT_MODES = {
  drawScale: 10,
  drawMaxInput: 64,
  // Fashion-MNIST style: white ink on black
  drawInk: '#ffffff',
  drawPaper: '#000000',
  // brush width in pixels of the network's input
  brush: { min: 1, max: 5, step: 0.5, initial: 2.5 },
}
