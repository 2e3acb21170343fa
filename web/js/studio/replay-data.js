/**
 * What the offline replay page needs, taken from the studio's state: spec, data, the recorded
 * frames (step, weights, metrics) and the loss curve. Pure.
 */

/** The recording embedded in an exported replay page. */
export function replayRecording(app, title) {
  const data = app.data ? { x: app.data.x, y: app.data.y, test: app.data.test ?? null } : null;
  return {
    format: "backprop-playground/replay",
    version: 1,
    title,
    spec: app.spec,
    inputDim: app.inputDim,
    data,
    frames: app.recording.frames,
    points: app.series.points,
    theme: app.theme,
  };
}
