// cgan instant mode: the generator runs in this page (onnxruntime-web, WebAssembly) and redraws a canvas on
// every input event of the class, seed, ψ, mixing and direction controls. Only a seed the page has not seen
// asks the server, once, for that seed's latent vector; everything else happens here.
//
// Runs as the js_on_load of the app's instant gr.HTML: `element` is the component, `server` holds the
// Python functions it may call (latent, pixels). preload.js has started loading the runtime and the model
// (window.cganInstantSession). The configuration (latent directions, class names, image size, the first
// seed's latent) is JSON in the data-config attribute of #instant-app. Frame times (input event
// to canvas updated, ms) are kept in window.cganInstant for the browser tests and bench/instant_frames.py.
(async () => {
  const root = element.querySelector("#instant-app");
  if (!root || root.dataset.started) return;
  root.dataset.started = "1";
  const config = JSON.parse(root.dataset.config);
  const status = root.querySelector(".instant-status");
  const canvas = root.querySelector("#instant-canvas");
  const context = canvas.getContext("2d");
  const state = (window.cganInstant = {
    ready: false, frames: [], startedAt: performance.now(), sessionAt: null, firstFrameAt: null, error: null,
    runs: 0, drawn: 0, encoded: 0, onServer: false });
  const say = (text) => { status.textContent = text; };
  const control = (role) => root.querySelector(`[data-role="${role}"]`);

  if (typeof WebAssembly !== "object" || typeof ort === "undefined" || !window.cganInstantSession) {
    state.error = "no WebAssembly";
    say("This browser cannot run the generator itself (no WebAssembly): use the Generate tab, which runs it on the server.");
    return;
  }
  let session;
  try {
    session = await window.cganInstantSession;  // started by preload.js as the page loaded
    state.sessionAt = performance.now();
  } catch (error) {
    state.error = String(error);
    say(`The generator could not be loaded in this page (${error}); the Generate tab runs it on the server.`);
    return;
  }

  const zDim = config.z_dim, classes = config.class_names, directions = config.directions;
  // seed -> Float32Array: the server's z for that seed, asked once (the first seed's comes with the page)
  const latents = new Map(Object.entries(config.latents).map(([seed, z]) => [Number(seed), Float32Array.from(z)]));
  async function latentFor(seed) {
    if (!latents.has(seed)) latents.set(seed, Float32Array.from(await server.latent(seed)));
    return latents.get(seed);
  }
  // A projected image's latent (the Project tab's "Open in Instant"): used instead of the seed's until the seed
  // changes. Its values are asked from the server once, as a seed's are.
  let projected = null;
  state.use = async (code, className) => {
    projected = { code, z: Float32Array.from(await server.latent(code)) };
    if (classes.includes(className)) control("class").value = className;
    root.querySelectorAll('[data-role="direction"]').forEach((input) => { input.value = "0"; });
    control("psi").value = "1";
    render(null);
  };
  control("seed").addEventListener("input", () => { projected = null; });

  // A latent as the server's latent codes write it (cgan/explorer/latent_code.py): "z1." and the URL-safe base64
  // of its float16 values, little-endian, rounded to nearest even as numpy does.
  const f32 = new Float32Array(1), u32 = new Uint32Array(f32.buffer);
  function half(value) {
    f32[0] = value;
    const x = u32[0], sign = (x >>> 16) & 0x8000, exponent = ((x >>> 23) & 0xff) - 112, mantissa = x & 0x7fffff;
    if (exponent >= 31) return sign | 0x7c00;  // latents stay within ±8: never reached by a checked one
    if (exponent <= 0) {  // a float16 subnormal
      if (exponent < -10) return sign;
      const full = mantissa | 0x800000, shift = 14 - exponent, rest = full & ((1 << shift) - 1), halfway = 1 << (shift - 1);
      const h = full >>> shift;
      return sign | (h + (rest > halfway || (rest === halfway && (h & 1)) ? 1 : 0));
    }
    const h = (exponent << 10) | (mantissa >>> 13), rest = mantissa & 0x1fff;
    return sign | (h + (rest > 0x1000 || (rest === 0x1000 && (h & 1)) ? 1 : 0));
  }
  function latentCode(z) {
    const bytes = new Uint8Array(2 * z.length);
    z.forEach((v, i) => { const h = half(v); bytes[2 * i] = h & 255; bytes[2 * i + 1] = h >>> 8; });
    return "z1." + btoa(String.fromCharCode(...bytes)).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  }
  const codeOf = (p) => p.code || (p.code = latentCode(p.z));
  state.code = (z) => latentCode(Float32Array.from(z));

  // The drawing: its model view waits in `sketch` until the next frame encodes it (one frame at a time).
  let sketch = null, encoder = null;
  const drawing = root.querySelector(".instant-drawing");
  const tell = (text) => { if (drawing) drawing.querySelector(".instant-drawing-note").textContent = text; };
  async function encode(pixels, classIndex) {
    const images = Float32Array.from(pixels, (v) => v / 127.5 - 1);  // as cgan.evaluation.classifier.as_input
    const onehot = new Float32Array(classes.length);
    onehot[classIndex] = 1;
    const output = await encoder.run({
      images: new ort.Tensor("float32", images, [1, config.channels, config.size, config.size]),
      condition: new ort.Tensor("float32", onehot, [1, classes.length]),
    });
    state.encoded += 1;
    return Float32Array.from(output.z.data);
  }
  state.encode = async (pixels, classIndex) => Array.from(await encode(Uint8Array.from(pixels), classIndex));
  if (drawing && window.cganEncoderSession && window.cganSketch) {
    window.cganEncoderSession.then((session) => {
      encoder = session;
      state.sketch = window.cganSketch(drawing, config.size, (pixels, since) => { sketch = pixels; render(since); });
      drawing.dataset.ready = "1";
    }, (error) => {
      tell(`Drawing is unavailable: the encoder could not be loaded in this page (${error}).`);
    });
    drawing.querySelector('[data-role="refine"]').addEventListener("click", async () => {
      if (!projected || !projected.pixels) return tell("Draw a garment (or upload one) first.");
      const c = read();
      tell("Refining on the server…");
      try {
        const found = await server.refine({ pixels: Array.from(projected.pixels), class_name: classes[c.classIndex] });
        projected = { z: Float32Array.from(found.z), code: found.latent, pixels: projected.pixels };
        tell(`Refined on the server in ${found.seconds.toFixed(2)} s (${found.steps} steps); pixel error ` +
             `${found.pixel_mse.toFixed(4)}.`);
        render(null);
      } catch (error) {
        tell(`Not refined: ${error.message || error}`);
      }
    });
  }
  const shareBox = root.querySelector('[data-role="share-link"]');
  root.querySelector('[data-role="share"]').addEventListener("click", async () => {
    const c = read(), params = new URLSearchParams({ class: classes[c.classIndex], seed: String(c.seed), psi: String(c.psi) });
    c.sliders.forEach((v, i) => { if (v !== 0) params.set(`s${i}`, String(v)); });
    if (projected) params.set("z", codeOf(projected));
    shareBox.value = `${location.origin}${location.pathname}?${params}`;
    shareBox.hidden = false;
    shareBox.select();
    try { await navigator.clipboard.writeText(shareBox.value); } catch (error) { /* the box shows it */ }
  });

  function read() {
    const sliders = [...root.querySelectorAll('[data-role="direction"]')].map((input) => Number(input.value));
    root.querySelectorAll("label").forEach((label) => {  // each range's value beside its name
      const out = label.querySelector("output"), input = label.querySelector('input[type="range"]');
      if (out && input) out.textContent = input.value;
    });
    return {
      classIndex: classes.indexOf(control("class").value),
      mixIndex: classes.indexOf(control("mix-class").value),
      mixWeight: Number(control("mix-weight").value),
      seed: Number(control("seed").value),
      psi: Number(control("psi").value),
      sliders,
      onServer: control("on-server").checked,
    };
  }

  function latent(base, c) {
    const z = new Float32Array(zDim);
    for (let j = 0; j < zDim; j++) {
      let offset = 0;
      for (let i = 0; i < directions.length; i++) offset += c.sliders[i] * directions[i][j];
      z[j] = base[j] * c.psi + offset;
    }
    return z;
  }

  function condition(c) {
    const vector = new Float32Array(classes.length);
    vector[c.classIndex] += 1 - c.mixWeight;
    vector[c.mixIndex] += c.mixWeight;
    return vector;
  }

  function draw(values, toByte) {  // values: (C, H, W) planes, as the model writes them
    const size = config.size, channels = config.channels, image = context.createImageData(size, size);
    for (let p = 0; p < size * size; p++) {
      for (let k = 0; k < 3; k++) image.data[4 * p + k] = toByte(values[(channels === 3 ? k : 0) * size * size + p]);
      image.data[4 * p + 3] = 255;
    }
    context.putImageData(image, 0, 0);
  }
  const fromModel = (v) => Math.round((Math.min(1, Math.max(-1, v)) + 1) * 127.5);  // as cgan.sampling.to_uint8

  async function frame(c) {
    if (c.classIndex < 0 || c.mixIndex < 0) throw new Error("unknown class");
    if (!Number.isInteger(c.seed) || c.seed < 0 || c.seed > config.max_seed) {
      throw new Error(`seed must be a whole number from 0 to ${config.max_seed}`);
    }
    if (sketch !== null) {  // a new stroke: its latent, found here, becomes the one the controls act on
      const pixels = sketch;
      sketch = null;
      projected = { z: await encode(pixels, c.classIndex), code: null, pixels };
    }
    if (c.onServer) {  // the switch: the same picture, computed by the server
      const pixels = await server.pixels({  // a server function takes one argument
        class_name: classes[c.classIndex], seed: c.seed, truncation: c.psi, mix_class: classes[c.mixIndex],
        mix_weight: c.mixWeight, sliders: c.sliders, latent: projected ? codeOf(projected) : "",
      });
      draw(pixels, (v) => v);
      return;
    }
    const z = latent(projected ? projected.z : await latentFor(c.seed), c);
    const feeds = {
      z: new ort.Tensor("float32", z, [1, zDim]),
      condition: new ort.Tensor("float32", condition(c), [1, classes.length]),
    };
    const output = await session.run(feeds);
    state.runs += 1;
    draw(output.images.data, fromModel);
  }

  // One frame at a time; input that arrives meanwhile is drawn next, timed from its first event.
  let busy = false, waitingSince = null;
  async function render(since) {
    if (busy) { if (waitingSince === null) waitingSince = since; return; }
    busy = true;
    root.dataset.busy = "1";  // drawing, or input waiting to be drawn (the tests wait for this to clear)
    try {
      const c = read();
      state.onServer = c.onServer;
      await frame(c);
      const now = performance.now();
      state.drawn += 1;
      if (since !== null) state.frames.push(now - since);
      if (state.firstFrameAt === null) {
        state.firstFrameAt = now;
        state.ready = true;
      }
      say((c.onServer ? "Running on the server (each change is a request)." :
        "Running in this page: moving a control sends nothing to the server.") +
        (projected ? " Showing the projected image's latent; a new seed leaves it." : ""));
      state.error = null;
    } catch (error) {
      state.error = String(error.message || error);
      say(`Not drawn: ${state.error}`);
    }
    busy = false;
    if (waitingSince !== null) {
      const next = waitingSince;
      waitingSince = null;
      render(next);
    } else {
      delete root.dataset.busy;
    }
  }
  root.addEventListener("input", (event) => render(event.timeStamp));
  if (window.cganInstantPending) {
    state.use(...window.cganInstantPending);
    window.cganInstantPending = null;
  } else {
    render(null);
  }
})();
