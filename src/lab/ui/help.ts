// The charts' how-to-read lines: what the axes are and what a vanishing or exploding gradient looks
// like on each chart. They explain how to read a chart, not what an experiment will show (that is
// the presets' job, and their sentences are tested against the engine).

/** How to read each chart: one line each, shown while the help toggle is on. */
export const HOW = {
  vanishing: 'x: hidden layer, input on the left; y: ‖∂L/∂W‖, log scale. Flat: every layer learns at a similar pace. Falling by orders of magnitude toward the input: vanishing; rising toward the input: exploding. Dashed: the same run at earlier steps.',
  perLayer: 'One line per layer (dark: input, yellow: output) over training steps, log scale. Lines far apart: layers get very different gradients (dark ones far below: vanishing); lines shooting up: exploding.',
  loss: 'Cross-entropy (mean squared error on the adding task), log scale; solid: the training batch, dashed: held-out data. Stuck at ln(classes) (1.10 for 3): the net only guesses. Held-out rising while training falls: overfitting.',
  accuracy: 'Fraction classified right; solid: the batch, dashed: held-out. 1/classes is chance.',
  heatmap: 'Rows: layers (output at the top), columns: logged steps; colour: log10 ‖∂L/∂W‖. A dark band at the bottom: the gradient vanishes before the input layers; red cells: NaN or infinite.',
  histograms: 'Per layer (input at the bottom), how the weights\' log10|gradient| is spread. Mass shifting left row by row toward the input: vanishing; piled at the right edge: exploding.',
  saturation: 'Per activation layer, the share of sigmoid/tanh units in their flat tails or ReLUs that output 0. Near 1: the layer passes almost no gradient.',
  ratio: 'Size of a step relative to the weights, per layer, log scale. Near 1e-3 is the usual rule of thumb; 1e-6: the layer barely moves; above 1e-1: it is thrashing.',
  throughTime: '‖∂L/∂h_t‖ at each time step t, log scale; the loss reads the last step. Falling by orders of magnitude toward t = 1: the gradient vanishes through time; rising: it explodes.',
  boundary: 'Background: the class the net predicts at each point of the plane; dots: data points in their true class\'s colour (own data: every point; toys: the held-out ones).',
};
