/**
 * A follower's stepper showing the presenter's view, and the question a presenter can put about the
 * selected node. No DOM: the page passes its operations in.
 */
import { phaseOf } from "./timeline.js";
import { planMirror } from "../classroom/protocol.js";

/**
 * Mirror decoded URL states onto a page. `ops`: {current() → state, ready() → bool (something is
 * loaded), load(state) → Promise (adopt the state and load its data), apply(changes) (step, node,
 * table, camera on what is loaded)}. While a load runs, newer states wait; the newest is applied after
 * it, so a step or selection that follows a change of lesson lands on the new graph.
 */
export function createMirror(ops) {
  let busy = false;
  let done = Promise.resolve();
  let latest = null;
  async function drain() {
    try {
      while (latest) {
        const target = latest;
        latest = null;
        const plan = planMirror(ops.current(), target);
        if (plan.load || !ops.ready()) await ops.load(target);
        else if (Object.keys(plan.changes).length) ops.apply(plan.changes);
      }
    } finally {
      busy = false; // in the same turn as the last check: a state arriving later starts a new drain
    }
  }
  return {
    /** Show this state (now, or after the load that runs). Resolves when it is shown. */
    show(state) {
      latest = state;
      if (!busy) {
        busy = true;
        done = drain();
      }
      return done;
    },
  };
}

/**
 * The question about node `nodeId` at `step` of a timeline: {node, label, truth} when the step is in the
 * backward pass and the node's final gradient is one number (the total it will have received); else
 * null, with the reason in `why`.
 */
export function questionAt(timeline, step, nodeId) {
  if (!timeline || !nodeId) return { question: null, why: "Select a node to ask the room about it." };
  if (phaseOf(timeline, step) !== "backward" || step <= 0) return { question: null, why: "Step into the backward pass to ask the room." };
  const node = timeline.trace.nodeById.get(nodeId);
  const total = timeline.frameAt(timeline.total).grads.get(nodeId)?.total?.data;
  if (!node || !total) return { question: null, why: "This node receives no gradient." };
  if (total.length !== 1) return { question: null, why: "Ask about a node that holds one number." };
  const truth = Number(total[0]);
  if (!Number.isFinite(truth)) return { question: null, why: "This node's gradient is not a finite number." };
  return { question: { node: nodeId, label: node.label, truth }, why: null };
}
