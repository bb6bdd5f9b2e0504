// After the page loads: hand the controls' values (in the order of controls.CONTROLS) to generate.js as one object
// keyed by name (kept if it has not started yet).
(...values) => {
  const CONTROLS = __CONTROLS__;
  const named = Object.fromEntries(CONTROLS.map((control, i) => [control.name, values[i]]));
  const state = (window.cganGenerate = window.cganGenerate || {});
  state.latest = named;
  if (state.show) state.show(named);
  return [];
}
