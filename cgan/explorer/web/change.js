// A control of the Generate tab changed (a JS-only Gradio event: no request). The values arrive in the order of
// controls.CONTROLS (filled in below as __CONTROLS__) and go on to generate.js as one object keyed by name; it asks
// the server for the image. The controls with a URL key are mirrored into the page URL once the controls have been
// still for URL_DELAY_MS: each history.replaceState costs the browser ~25 ms, as much again as the slider step
// itself (docs/benchmarks.md), so a drag must not pay it at every step.
(...values) => {
  const URL_DELAY_MS = 300;
  const CONTROLS = __CONTROLS__;
  const named = Object.fromEntries(CONTROLS.map((control, i) => [control.name, values[i]]));
  const state = (window.cganGenerate = window.cganGenerate || {});
  state.latest = named;
  if (state.show) state.show(named);
  clearTimeout(state.urlTimer);
  state.urlTimer = setTimeout(() => {
    // Parameters that are not the controls' (utm_source, Gradio's __theme, ...) stay as they were.
    const p = new URLSearchParams(window.location.search);
    for (const control of CONTROLS) {
      if (!control.url) continue;
      const value = named[control.name];
      const shown = control.always_in_url || (value !== control.default && value !== "" && Number(value) !== 0);
      if (shown) p.set(control.url, String(value)); else p.delete(control.url);
    }
    window.history.replaceState(null, "", window.location.pathname + "?" + p.toString());
  }, URL_DELAY_MS);
  return [];
}
