// cgan instant mode, first part: loaded in the page's <head>, it starts fetching the WebAssembly runtime and
// the generator while the page is still building, so the instant tab can draw as soon as it is opened, then the
// encoder. Its <script> tag carries the URLs (data-model, data-encoder, data-wasm); instant.js awaits the sessions.
(() => {
  const script = document.currentScript;
  const absolute = (path) => new URL(path, document.baseURI).href;
  if (typeof WebAssembly !== "object" || typeof ort === "undefined") return;
  ort.env.wasm.wasmPaths = absolute(script.dataset.wasm);  // the app serves the runtime itself: no CDN
  ort.env.wasm.numThreads = 1;  // threads need a cross-origin-isolated page
  window.cganInstantSession = ort.InferenceSession.create(absolute(script.dataset.model), { executionProviders: ["wasm"] });
  window.cganInstantSession.catch(() => {});  // reported by instant.js when the tab opens
  if (script.dataset.encoder) {  // the drawing's encoder, once the generator is in
    window.cganEncoderSession = window.cganInstantSession.then(() =>
      ort.InferenceSession.create(absolute(script.dataset.encoder), { executionProviders: ["wasm"] }));
    window.cganEncoderSession.catch(() => {});
  }
})();
