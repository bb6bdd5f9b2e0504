// After the page loads: hand the controls' values to generate.js (kept if it has not started yet).
(...values) => {
  const state = (window.cganGenerate = window.cganGenerate || {});
  state.latest = values;
  if (state.show) state.show(values);
  return [];
}
