// cgan instant mode, drawing: a canvas to draw a garment on (mouse, pen and touch), an upload button and example
// garments, each turned into the image the model sees (cgan/explorer/uploads.py's model_view: the garment cropped,
// scaled so its longer side fills the frame, centred, bright on black, its brightest pixel 255).
//
// Loaded in the page's <head>; instant.js calls window.cganSketch(root, size, changed) once the encoder is ready.
// `changed(pixels, since)` gets the model's view (Uint8Array, size x size) after every stroke segment, upload and
// example, with the input event's time stamp. Nothing here talks to the server.
window.cganSketch = (root, size, changed) => {
  const canvas = root.querySelector('[data-role="sketch"]');
  const note = root.querySelector(".instant-drawing-note");
  const pen = canvas.getContext("2d", { willReadFrequently: true });
  const control = (role) => root.querySelector(`[data-role="${role}"]`);
  const INK_SHARE = 0.1, MIN_CONTRAST = 16, TRANSPARENT_SHARE = 0.01, MAX_BYTES = 10e6, DECODE_SIDE = 1024;
  const say = (text) => { note.textContent = text; };

  function clear() {
    pen.fillStyle = "#000";
    pen.fillRect(0, 0, canvas.width, canvas.height);
  }
  clear();

  // gray levels (Float64Array) of an RGBA picture laid over white, and its transparent pixels
  function grayOver(data, count, white = 255) {
    const gray = new Float64Array(count), transparent = new Uint8Array(count);
    for (let p = 0; p < count; p++) {
      const a = data[4 * p + 3] / 255;
      gray[p] = (0.299 * data[4 * p] + 0.587 * data[4 * p + 1] + 0.114 * data[4 * p + 2]) * a + white * (1 - a);
      transparent[p] = a < 0.5 ? 1 : 0;
    }
    return { gray, transparent };
  }
  const median = (values) => {
    const sorted = Float64Array.from(values).sort(), n = sorted.length;
    return n % 2 ? sorted[(n - 1) / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
  };

  // The model's view of an RGBA picture (ImageData). `level`: the background's grey level when known (the
  // drawing's is black); otherwise found as model_view finds it. Throws on a blank picture.
  function modelView(picture, level = null) {
    const { width, height, data } = picture, count = width * height;
    let { gray, transparent } = grayOver(data, count);
    if (level === null) {
      const frame = Math.max(1, Math.floor(Math.min(width, height) / 20)), border = [];
      for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) {
        if (y < frame || y >= height - frame) border.push(gray[y * width + x]);
      }
      for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) {
        if (x < frame || x >= width - frame) border.push(gray[y * width + x]);
      }
      level = median(border);
      const share = transparent.reduce((a, b) => a + b, 0) / count;
      if (share >= TRANSPARENT_SHARE) {  // transparent parts are the background: white, or black under a light garment
        const opaque = gray.filter((_, p) => !transparent[p]);
        level = opaque.length && median(opaque) > 127 ? 0 : 255;
        if (level === 0) gray = grayOver(data, count, 0).gray;
      }
    }
    let strongest = 0;
    for (let p = 0; p < count; p++) strongest = Math.max(strongest, Math.abs(gray[p] - level));
    if (strongest < MIN_CONTRAST) throw new Error("nothing stands out from the background yet");
    let top = height, bottom = -1, left = width, right = -1;
    for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) {
      if (Math.abs(gray[y * width + x] - level) >= INK_SHARE * strongest) {
        top = Math.min(top, y); bottom = Math.max(bottom, y); left = Math.min(left, x); right = Math.max(right, x);
      }
    }
    const cropWidth = right - left + 1, cropHeight = bottom - top + 1;
    const crop = new ImageData(cropWidth, cropHeight);
    for (let y = 0; y < cropHeight; y++) for (let x = 0; x < cropWidth; x++) {
      const g = gray[(y + top) * width + x + left];
      const ink = Math.max(0, level > 127 ? level - g : g - level) * (255 / strongest), q = 4 * (y * cropWidth + x);
      crop.data[q] = crop.data[q + 1] = crop.data[q + 2] = Math.round(Math.min(255, ink));
      crop.data[q + 3] = 255;
    }
    return square(crop);
  }

  // The crop scaled so its longer side is `size`, centred on black, its brightest pixel made 255 (uploads._square)
  function square(crop) {
    const source = document.createElement("canvas");
    source.width = crop.width;
    source.height = crop.height;
    source.getContext("2d").putImageData(crop, 0, 0);
    const scale = size / Math.max(crop.width, crop.height);
    const w = Math.max(1, Math.round(crop.width * scale)), h = Math.max(1, Math.round(crop.height * scale));
    const target = document.createElement("canvas");
    target.width = target.height = size;
    const context = target.getContext("2d", { willReadFrequently: true });
    context.fillStyle = "#000";
    context.fillRect(0, 0, size, size);
    context.imageSmoothingEnabled = true;
    context.imageSmoothingQuality = "high";
    context.drawImage(source, 0, 0, crop.width, crop.height, Math.floor((size - w) / 2), Math.floor((size - h) / 2), w, h);
    const rgba = context.getImageData(0, 0, size, size).data, pixels = new Uint8Array(size * size);
    let peak = 0;
    for (let p = 0; p < pixels.length; p++) peak = Math.max(peak, rgba[4 * p]);
    for (let p = 0; p < pixels.length; p++) pixels[p] = peak ? Math.round(Math.min(255, rgba[4 * p] * 255 / peak)) : 0;
    return pixels;
  }

  function report(since) {
    try {
      changed(modelView(pen.getImageData(0, 0, canvas.width, canvas.height), 0), since);
      say("");
    } catch (error) {
      say(String(error.message || error));
    }
  }

  // ---- drawing: pointer events cover mouse, pen and touch
  let last = null;
  const at = (event) => {
    const box = canvas.getBoundingClientRect();
    return [(event.clientX - box.left) * canvas.width / box.width, (event.clientY - box.top) * canvas.height / box.height];
  };
  function stroke(from, to) {  // a segment with round ends; from === to: a dot
    pen.strokeStyle = pen.fillStyle = control("erase").checked ? "#000" : "#fff";
    pen.lineWidth = Number(control("brush").value);
    pen.lineCap = pen.lineJoin = "round";
    pen.beginPath();
    if (from === to) {
      pen.arc(...from, pen.lineWidth / 2, 0, 2 * Math.PI);
      pen.fill();
      return;
    }
    pen.moveTo(...from);
    pen.lineTo(...to);
    pen.stroke();
  }
  canvas.addEventListener("pointerdown", (event) => {
    event.preventDefault();
    canvas.setPointerCapture(event.pointerId);
    last = at(event);
    stroke(last, last);
    report(event.timeStamp);
  });
  canvas.addEventListener("pointermove", (event) => {
    if (last === null) return;
    const points = event.getCoalescedEvents ? event.getCoalescedEvents() : [];
    for (const point of points.length ? points : [event]) {
      const next = at(point);
      stroke(last, next);
      last = next;
    }
    report(event.timeStamp);
  });
  const lift = () => { last = null; };
  canvas.addEventListener("pointerup", lift);
  canvas.addEventListener("pointercancel", lift);
  control("clear").addEventListener("click", () => { clear(); say("Cleared: draw a garment."); });

  // ---- uploads and examples: the picture's model view, shown enlarged on the canvas to draw on further
  async function open(blob, since) {
    if (blob.size > MAX_BYTES) throw new Error(`the image is ${(blob.size / 1e6).toFixed(1)} MB; the limit is 10 MB`);
    const bitmap = await createImageBitmap(blob);  // upright (EXIF) by default
    const scale = Math.min(1, DECODE_SIDE / Math.max(bitmap.width, bitmap.height));
    const flat = document.createElement("canvas");
    flat.width = Math.max(1, Math.round(bitmap.width * scale));
    flat.height = Math.max(1, Math.round(bitmap.height * scale));
    const context = flat.getContext("2d", { willReadFrequently: true });
    context.drawImage(bitmap, 0, 0, flat.width, flat.height);
    const pixels = modelView(context.getImageData(0, 0, flat.width, flat.height));
    const small = new ImageData(size, size);
    pixels.forEach((v, p) => { small.data.set([v, v, v, 255], 4 * p); });
    const tile = document.createElement("canvas");
    tile.width = tile.height = size;
    tile.getContext("2d").putImageData(small, 0, 0);
    clear();
    pen.imageSmoothingEnabled = true;
    pen.drawImage(tile, 0, 0, canvas.width, canvas.height);
    changed(pixels, since);
    say("");
  }
  const opening = (load) => async (event) => {
    const since = event.timeStamp;
    try {
      await open(await load(event), since);
    } catch (error) {
      say(`Not read: ${error.message || error}`);
    }
  };
  control("upload").addEventListener("change", opening(async (event) => {
    const file = event.target.files[0];
    event.target.value = "";
    if (!file) throw new Error("no file chosen");
    return file;
  }));
  root.querySelectorAll('[data-role="example"]').forEach((button) => {
    button.addEventListener("click", opening(async () => (await fetch(button.dataset.src)).blob()));
  });
  return { modelView, open };
};
