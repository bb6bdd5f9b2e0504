// cgan Generate tab, live path: every change of a control asks the server for the image with ONE plain
// HTTP request (a Gradio server function, POST /gradio_api/component_server: no queue, no event stream,
// no result file to fetch afterwards). The answer is the image's pixels at their own size (base64 RGBA),
// drawn into a canvas that the browser enlarges (image-rendering: pixelated): nothing to decode, and the
// evaluation network's top classes.
//
// Runs as the js_on_load of the Generate tab's gr.HTML (#image): `element` is the component and
// `server.view` the Python function. The controls' values arrive through window.cganGenerate.show(values),
// called by the JS-only change events (generate_view.CHANGE_JS) with one object keyed by the names of
// controls.CONTROLS, which is also what the request sends. Values that came before this tab was first opened wait
// in window.cganGenerate.latest. One request at a time: changes made while one is out are
// coalesced, and the newest is sent when it returns. A drag of a range slider is also seen directly (its DOM
// `input` event, before Gradio's change event reaches the page code: measured ≈ 6 ms earlier); the change
// event that follows with the same values is then skipped. Update times (ms, change to image drawn) are kept
// in window.cganGenerate.times, and #generate-view fires a "cgan-drawn" event after each (bench/app_latency.py).
(() => {
  const root = element.querySelector("#generate-view");
  if (!root || root.dataset.started) return;
  root.dataset.started = "1";
  const canvas = root.querySelector("canvas");
  const context = canvas.getContext("2d");
  const link = root.querySelector("a.image-download");
  const status = root.querySelector(".view-status");
  const readout = root.querySelector(".readout");
  const scale = Number(root.dataset.scale);
  const state = (window.cganGenerate = window.cganGenerate || {});
  state.times = state.times || [];
  state.shown = state.shown || 0;
  let busy = false, waiting = null, wanted = null;  // wanted: the newest values asked for, as JSON

  // The request itself, made here as Gradio's own page code makes it (fetch to component_server) rather than
  // through `server.view`, whose wrapper also walks every answer for file references; measured once on this
  // machine: 7 ms from the response's end to the image instead of 9 ms (noisy). `server.view` is the fallback.
  const config = window.gradio_config;
  const componentId = config?.components?.find((c) => c.props?.elem_id === "image")?.id;
  const endpoint = componentId === undefined ? null
    : `${config.root ?? ""}${config.api_prefix ?? "/gradio_api"}/component_server/`;
  const session = `cgan-generate-${Math.random().toString(36).slice(2)}`;
  async function ask(request) {
    if (!endpoint) return server.view(request);
    const response = await fetch(endpoint, {
      method: "POST", headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ data: request, component_id: componentId, fn_name: "view", session_hash: session }) });
    if (!response.ok) throw new Error(`${response.status} ${response.statusText}`);
    return response.json();
  }

  function showReadout(top) {
    readout.replaceChildren(...top.map(([name, p]) => {
      const row = document.createElement("li");
      const label = document.createElement("span");
      label.textContent = name;
      const bar = document.createElement("meter");
      bar.min = 0; bar.max = 1; bar.value = p;
      const share = document.createElement("span");
      share.className = "share";
      share.textContent = `${(100 * p).toFixed(1)} %`;
      row.append(label, bar, share);
      return row;
    }));
  }

  async function fetchAndShow(values) {
    const started = performance.now();
    let answer;
    try {
      answer = await ask(values);
    } catch (error) {
      status.textContent = `The server did not answer: ${error}`;
      wanted = null;  // the same values again are a retry
      return;
    }
    if (answer.error) {  // a value the generator does not take (e.g. an empty seed box): say which
      status.textContent = answer.error;
      return;
    }
    status.textContent = "";
    const bytes = Uint8ClampedArray.from(atob(answer.rgba), (c) => c.charCodeAt(0));
    if (canvas.width !== answer.width || canvas.height !== answer.height) {
      canvas.width = answer.width;
      canvas.height = answer.height;
    }
    context.putImageData(new ImageData(bytes, answer.width, answer.height), 0, 0);
    canvas.setAttribute("aria-label", answer.alt);
    canvas.hidden = false;
    link.download = `${answer.name}.png`;
    link.hidden = false;
    showReadout(answer.top);
    state.shown += 1;
    state.times.push(performance.now() - started);
    root.dispatchEvent(new CustomEvent("cgan-drawn"));
  }

  async function show(values) {
    const key = JSON.stringify(values);
    if (key === wanted) return;  // already asked for (a slider's input event, then its change event)
    wanted = key;
    state.latest = values;
    if (busy) { waiting = values; return; }
    busy = true;
    try {
      for (let next = values; next; next = waiting) {
        waiting = null;
        await fetchAndShow(next);
      }
    } finally {
      busy = false;
    }
  }

  // The download is the image enlarged without smoothing, made when the link is clicked.
  link.addEventListener("click", () => {
    const large = document.createElement("canvas");
    large.width = canvas.width * scale;
    large.height = canvas.height * scale;
    const drawing = large.getContext("2d");
    drawing.imageSmoothingEnabled = false;
    drawing.drawImage(canvas, 0, 0, large.width, large.height);
    link.href = large.toDataURL("image/png");
  });

  // The range sliders' elements (controls.CONTROLS: elem_id -> name).
  const CONTROLS = __CONTROLS__;
  const ranges = new Map(CONTROLS.filter((c) => c.kind === "range" || c.kind === "direction")
    .map((c) => [c.elem_id, c.name]));
  const rangeSelector = [...ranges.keys()].map((id) => `#${CSS.escape(id)}`).join(", ");
  document.addEventListener("input", (event) => {
    const target = event.target;
    if (!state.latest || !(target instanceof HTMLInputElement) || target.type !== "range") return;
    const name = ranges.get(target.closest(rangeSelector)?.id);
    if (name === undefined) return;
    show({ ...state.latest, [name]: Number(target.value) });
  }, true);

  state.show = show;
  if (state.latest) show(state.latest);
})();
