/**
 * The offline replay page: a recorded training run (weights and metrics at thinned steps) stepped
 * through with the studio's own views — no server. Exported pages load this module from a data: URL.
 */
import { createDataView } from "./views/data-view.js";
import { domainOf, intervalOf } from "./neuron-layout.js";
import { createLossChart } from "./views/loss-chart.js";
import { createNetworkView } from "./views/network-view.js";
import { neuronSurfaces } from "./surface.js";

const esc = (t) => String(t).replace(/[&<>"]/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" })[c]);

function skeleton(rec) {
  const last = rec.frames.length - 1;
  return `<header class="replay-head">
      <h1>${esc(rec.title)} <span class="page-name">offline replay</span></h1>
      <button type="button" id="first" title="First frame">|◂</button>
      <button type="button" id="prev" title="Previous (←)">◂ Prev</button>
      <button type="button" id="play" class="primary">▶ Play</button>
      <button type="button" id="next" title="Next (→)">Next ▸</button>
      <input type="range" id="scrub" min="0" max="${last}" value="${last}" aria-label="recorded frame">
      <span class="counter">step <b id="replay-step" data-step="">–</b></span>
      <button type="button" id="theme">Theme</button>
    </header>
    <div class="views">
      <section class="panel network-panel"><div class="network-host" id="network"></div>
        <p class="hover-info" id="hover-info">Recorded with Backprop Playground · ${rec.frames.length} frames.</p></section>
      <section class="panel data-panel"><div class="data-host" id="data"></div><div class="loss-host" id="loss"></div></section>
    </div>`;
}

export function startReplay(root, rec) {
  document.documentElement.dataset.theme = rec.theme || "light";
  root.innerHTML = skeleton(rec);
  const $ = (id) => root.querySelector(`#${id}`);
  const network = createNetworkView($("network"), { onHover: (t) => ($("hover-info").textContent = t ?? "") });
  const dataView = createDataView($("data"));
  const chart = createLossChart($("loss"));
  let index = rec.frames.length - 1;
  let timer = null;

  function layout() {
    network.setModel(rec.spec, rec.inputDim);
    if (rec.data) dataView.setData({ ...rec.data, test: rec.data.test || undefined }, rec.spec.output.kind);
  }

  function show(i) {
    index = Math.max(0, Math.min(rec.frames.length - 1, i));
    const frame = rec.frames[index];
    if (!frame) return;
    const theme = document.documentElement.dataset.theme;
    const domain = !rec.data ? null : rec.inputDim === 1 ? { x: intervalOf(rec.data.x.map((r) => r[0]), 0.04) } : domainOf(rec.data.x);
    const surfaces = domain ? neuronSurfaces(rec.spec, frame.params, domain, 28, rec.inputDim) : null;
    network.update({ params: frame.params, surfaces, theme });
    dataView.update({ spec: rec.spec, params: frame.params, theme });
    chart.update({ points: rec.points.filter((p) => p.step <= frame.step) });
    $("replay-step").textContent = String(frame.step);
    $("replay-step").dataset.step = String(frame.step);
    $("scrub").value = String(index);
  }

  function play() {
    if (timer) {
      clearInterval(timer);
      timer = null;
      $("play").textContent = "▶ Play";
      return;
    }
    if (index >= rec.frames.length - 1) show(0);
    $("play").textContent = "❚❚ Pause";
    timer = setInterval(() => {
      if (index >= rec.frames.length - 1) return play();
      show(index + 1);
    }, 120);
  }

  $("first").addEventListener("click", () => show(0));
  $("prev").addEventListener("click", () => show(index - 1));
  $("next").addEventListener("click", () => show(index + 1));
  $("play").addEventListener("click", play);
  $("scrub").addEventListener("input", (e) => show(Number(e.target.value)));
  $("theme").addEventListener("click", () => {
    const html = document.documentElement;
    html.dataset.theme = html.dataset.theme === "dark" ? "light" : "dark";
    layout();
    show(index);
  });
  document.addEventListener("keydown", (e) => {
    if (e.key === "ArrowLeft") show(index - 1);
    if (e.key === "ArrowRight") show(index + 1);
  });
  new ResizeObserver(() => {
    layout();
    show(index);
  }).observe($("network"));
  layout();
  show(index);
  return { show, get index() { return index; } };
}
