// A control of the Generate tab changed (a JS-only Gradio event: no request). The values, in the order of
// the app's `controls`, go to generate.js, which asks the server for the image. The shareable controls
// (class, seed, psi, directions, a projected latent) are mirrored into the page URL once the controls have been still for
// URL_DELAY_MS: each history.replaceState costs the browser ~25 ms, as much again as the slider step itself
// (bench/app_latency.py; docs/benchmarks.md), so a drag must not pay it at every step.
(...values) => {
  const URL_DELAY_MS = 300;
  const state = (window.cganGenerate = window.cganGenerate || {});
  state.latest = values;
  if (state.show) state.show(values);
  const [cls, seed, , psi, , , ...rest] = values;
  const sliders = rest.slice(0, -1), latent = rest.at(-1);  // a projected latent code comes last
  clearTimeout(state.urlTimer);
  state.urlTimer = setTimeout(() => {
    // Parameters that are not the controls' (utm_source, Gradio's __theme, ...) stay as they were.
    const p = new URLSearchParams(window.location.search);
    for (const key of [...p.keys()]) if (/^(class|seed|psi|z|s\d+)$/.test(key)) p.delete(key);
    p.set("class", cls); p.set("seed", String(seed)); p.set("psi", String(psi));
    sliders.forEach((v, i) => { if (Number(v) !== 0) p.set("s" + i, String(v)); });
    if (latent) p.set("z", latent);
    window.history.replaceState(null, "", window.location.pathname + "?" + p.toString());
  }, URL_DELAY_MS);
  return [];
}
