/**
 * One live model on the server: created from a spec, driven over its WebSocket (play, pause, step,
 * reset, config). When the socket cannot open, training falls back to REST calls (POST …/step),
 * so the studio still works behind proxies that drop WebSockets. Progress messages (the losses of
 * fast-forwarded steps) go to `onFrame` as well.
 */
import { openStream } from "../shared/api.js";

/** Frames per second asked of a fast-forwarding stream: the render loop's redraw rate. */
export const STREAM_FPS = 24;

export function createSession(client, { onFrame, onModel, onError, onStatus, fps = STREAM_FPS }) {
  let model = null;
  let stream = null;
  let fallback = false;
  let playing = false;
  let rate = 30;
  let timer = null;

  function connect() {
    let opened = false;
    // Events of a socket that has since been replaced (a new model, a reconnect) are ignored.
    const mine = () => stream === current;
    const current = openStream(model.id, model.token, {
      onOpen: () => {
        opened = true;
        if (mine()) onStatus("live");
      },
      // A divergence arrives twice: in the trace frame (shown from there) and as an error message.
      onMessage: (msg) => {
        if (!mine()) return;
        if (msg.type !== "error") onFrame(msg);
        else if (!msg.diverged) onError(msg.detail);
      },
      onClose: () => {
        if (!mine() || !model) return;
        if (!opened) {
          fallback = true;
          onStatus("REST");
          if (playing) restLoop();
        } else onStatus("disconnected");
      },
    });
    stream = current;
    current.send({ type: "config", fps });
  }

  async function restStep() {
    try {
      onFrame({ type: "trace", ...(await client.stepModel(model.id, model.token)) });
    } catch (err) {
      playing = false;
      onError(err.message);
    }
  }

  function restLoop() {
    clearTimeout(timer);
    if (!playing || !fallback) return;
    const started = performance.now();
    restStep().then(() => {
      // REST traces every step: "max" or a fast-forward rate is as fast as the answers come.
      const perSecond = rate === "max" ? Infinity : rate;
      timer = setTimeout(restLoop, Math.max(0, 1000 / perSecond - (performance.now() - started)));
    });
  }

  function send(cmd) {
    if (!model) return;
    if (!fallback) return stream.send(cmd);
    if (cmd.type === "step") restStep();
    if (cmd.type === "play") restLoop();
    if (cmd.type === "reset") client.reset(model.id, model.token).then(onModel, (e) => onError(e.message));
    if (cmd.type === "config") onError("changing settings mid-run needs the live connection");
  }

  return {
    /** A new model from a spec: answers the server's Model ({id, spec, params, step, history}). */
    async create(spec) {
      this.close();
      const created = await client.createModel(spec);
      model = { id: created.id, token: created.edit_token };
      fallback = false;
      connect();
      return created.model;
    },
    /** Play at `stepsPerSecond` (a number, or "max": as fast as the server's fair share gives). */
    play(stepsPerSecond) {
      playing = true;
      rate = stepsPerSecond;
      send({ type: "play", rate });
    },
    pause() {
      playing = false;
      send({ type: "pause" });
    },
    step() {
      send({ type: "step" });
    },
    reset() {
      send({ type: "reset" });
    },
    config(changes) {
      send({ type: "config", ...changes });
    },
    /** Open the model's stream again after the connection dropped. */
    reconnect() {
      if (model) connect();
    },
    close() {
      playing = false;
      clearTimeout(timer);
      const old = model;
      model = null;
      stream?.close();
      stream = null;
      return old;
    },
    get id() {
      return model?.id ?? null;
    },
    get playing() {
      return playing;
    },
  };
}
