// The Project tab's Draw tab was opened: choose the sketchpad's brush, so a visitor can draw at once (the editor
// starts with no tool). The editor is drawn after the tab opens, so its button is waited for (at most 3 s).
() => {
  let tries = 0;
  const pick = () => {
    const brush = document.querySelector("#project-sketch button[aria-label=Brush]");
    if (brush && brush.dataset.cganPicked !== "1") {
      brush.dataset.cganPicked = "1";
      brush.click();
    } else if (!brush && tries++ < 30) {
      setTimeout(pick, 100);
    }
  };
  setTimeout(pick, 50);
  return [];
}
