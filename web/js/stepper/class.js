/**
 * Classroom mode on the stepper page (/ and /join/{code}): the view state is the URL state
 * (shared/state.js); a follower shows the presenter's through the page's own loading, without a reload
 * while the lesson or expression stays the same.
 */
import { decodeState, encodeState } from "../shared/state.js";
import { createClassroom } from "../classroom/classroom.js";
import { createMirror, questionAt } from "./mirror.js";

/**
 * `app` is the page's {state, loaded}; `adopt(state)` makes a state the page's and loads it (a Promise);
 * `selectNode(id)` selects as a click does; while `ownCamera()` the follower's camera stays its own;
 * `onWaiting()` when the room has nothing to show yet.
 * Returns the classroom ({following, changed()}).
 */
export function createStepperClass({ api, app, stepper, selectNode, adopt, ownCamera = () => false, onWaiting = () => {} }) {
  const mirror = createMirror({
    current: () => app.state,
    ready: () => !!app.loaded,
    // the follower's theme and speed stay its own (and its camera, where it chooses it)
    load: (next) => adopt({ ...next, theme: app.state.theme, speed: app.state.speed, ...(ownCamera() ? { camera: app.state.camera } : {}) }),
    apply: (changes) => {
      if ("table" in changes) stepper.table.setOpen(changes.table === "open");
      if ("camera" in changes && !ownCamera()) stepper.actions.setCamera(changes.camera);
      if ("step" in changes) {
        stepper.actions.pause();
        // one step on is animated, as the presenter saw it; any other jump is shown at once
        if (changes.step === stepper.state().step + 1) stepper.actions.next();
        else stepper.actions.goto(changes.step);
      }
      if ("node" in changes) selectNode(changes.node);
    },
  });
  return createClassroom({
    page: "stepper",
    api,
    button: document.getElementById("class-start"),
    anchor: document.querySelector(".app-header"),
    query: () => encodeState(app.state),
    show: (query) => mirror.show(decodeState(query)),
    askable: () => questionAt(stepper.timeline(), stepper.state().step, app.state.node),
    // an unknown room: the page shows what its own URL says
    onEnded: () => (app.loaded ? null : adopt(app.state)),
    onWaiting,
  });
}
