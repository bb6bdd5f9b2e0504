// The Project tab's "Open in Instant": hand the projected latent code and its class to the instant tab's page
// code (instant.js), then pass both on to the server function, which switches to that tab.
(latent, className) => {
  if (!latent) return [latent, className];
  if (window.cganInstant && window.cganInstant.use) window.cganInstant.use(latent, className);
  else window.cganInstantPending = [latent, className];  // the instant tab is still loading: it takes it then
  return [latent, className];
}
