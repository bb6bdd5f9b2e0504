"""What the app's events and API endpoints run: values in (as the page or an API call sends them), pictures out.

Every function checks its values through the Explorer (cgan.values); a bad value raises ValueError, which
`rejections.user_error` turns into a message for the user and one log line.
"""
from __future__ import annotations

import base64
import functools
import hashlib
import html
import secrets
from pathlib import Path

import gradio as gr

from cgan import values
from cgan.evaluation.nearest import describe_distance
from cgan.explorer import assets
from cgan.explorer import latent_code
from cgan.explorer.inference import GRID_CLASSES, STRIP_VALUES, SUGGESTED, Explorer
from cgan.explorer.projection import shared_limit
from cgan.explorer.pictures import gif_bytes, labelled_rows, png_data_uri
from cgan.explorer.controls import BY_NAME as CONTROL_NAMES, SHARED, generation, sliders
from cgan.explorer.loading import LazyIndex
from cgan.explorer.rejections import rejected
from cgan.explorer.server import gpu
from cgan.explorer.uploads import read_image
from cgan.files import write_bytes
from cgan.sampling import grid_image, latents_for_seeds
from cgan.text import markdown_text
from cgan.values import MAX_SEED

GRID_COLUMNS = 6
INSTANT_KEYS = ("class_name", "seed", "truncation", "mix_class", "mix_weight", "sliders", "latent")


def check_mix_class(mix_class) -> None:
    if not isinstance(mix_class, str):  # "" is no second class; a name is checked by the explorer
        raise ValueError(f'mix_class must be a class name or "" (none), got {values.shown(mix_class)}')


def read_request(name: str, request, keys: tuple[str, ...]) -> dict:
    """A server function's one argument: an object with exactly `keys` (a "sliders" key a list)."""
    if not isinstance(request, dict) or set(request) != set(keys) or not isinstance(request.get("sliders", []), list):
        listed = ", ".join(keys) if len(keys) <= 8 else f"{', '.join(keys[:6])}, ..., {keys[-1]}"
        raise ValueError(f"{name} takes an object with exactly {{{listed}}}, got {values.shown(request)}")
    return request


def uploaded_path(value, what: str) -> str:
    """The server-side path of an uploaded file as the app's file inputs hand it over (Gradio's file data)."""
    if value is None:
        raise ValueError(f"no {what}: upload a PNG, JPEG or WebP image")
    if not isinstance(value, dict) or not isinstance(value.get("path"), str):
        raise ValueError(f"{what} must be an uploaded file (gradio_client: handle_file(path)), got {values.shown(value)}")
    return value["path"]


def _call(method):
    """A plain function that calls `method` (gradio sets attributes on the functions it serves)."""
    def call(*args, **kwargs):
        return method(*args, **kwargs)
    return call


class Endpoints:
    """The app's functions over one Explorer; result files (GIFs) go to gif_dir."""

    def __init__(self, explorer: Explorer, *, nearest: LazyIndex | None, gif_dir: Path):
        self.explorer, self.nearest_index, self.gif_dir = explorer, nearest, gif_dir
        self.waiting_projections = lambda: 0  # how many projections wait in the queue (build_app connects it)
        self.names = explorer.class_names
        for name in ("generate", "class_grid", "class_grid_html", "strips", "interpolate", "view", "project",
                     "project_drawing", "refine"):
            setattr(self, name, gpu(getattr(self, name)))  # inside a GPU allocation on ZeroGPU Spaces
        for name in ("latent", "pixels", "view", "refine"):  # the page's server functions: gradio marks them, so plain functions
            setattr(self, name, functools.wraps(getattr(self, name))(_call(getattr(self, name))))

    def generate(self, controls: dict):
        """Generate side x side images of a class (optionally mixed with a second class); a latent code from
        /project, when given, replaces the seed's latent (the first image's)."""
        check_mix_class(controls["mix_class"])
        pixels = self.explorer.generate(**generation(controls))
        return self.explorer.enlarge(pixels, columns=int(controls["side"])), self.explorer.predict(pixels[0])

    def class_grid(self, controls: dict):
        """Every class in a row (labelled), the same latents in each column (the first a latent code, if given)."""
        pixels = self._grid(controls)
        return labelled_rows(pixels, self.names[:GRID_CLASSES], columns=GRID_COLUMNS, scale=2)

    def class_grid_html(self, controls: dict):
        """The class grid as a table: class names as text, one image strip per row, and a PNG download link."""
        pixels = self._grid(controls)
        rows = "".join(assets.fill("class_grid_row.html", name=html.escape(name), src=png_data_uri(
            grid_image(pixels[i * GRID_COLUMNS:(i + 1) * GRID_COLUMNS], columns=GRID_COLUMNS, padding=1)))
            for i, name in enumerate(self.names[:GRID_CLASSES]))
        download = png_data_uri(labelled_rows(pixels, self.names[:GRID_CLASSES], columns=GRID_COLUMNS, scale=4))
        shown = (f"<p class='grid-note'>The first {GRID_CLASSES} of {len(self.names)} classes.</p>"
                 if len(self.names) > GRID_CLASSES else "")
        return shown + assets.fill("class_grid.html", rows=rows, seed=int(controls["seed"]), download=download)

    def _grid(self, controls: dict):
        return self.explorer.class_grid(controls["seed"], columns=GRID_COLUMNS, truncation=controls["truncation"],
                                        sliders=sliders(controls), latent=controls["latent"])

    def strips(self, controls: dict):
        """What each slider does: the current image with one slider at -3 ... +3, a row per direction."""
        check_mix_class(controls["mix_class"])
        arguments = generation(controls)
        del arguments["side"]
        pixels = self.explorer.direction_strips(**arguments)
        strip = labelled_rows(pixels, [str(i + 1) for i in range(len(self.explorer.directions))],
                              columns=len(STRIP_VALUES), scale=2)
        return f'<img alt="each direction from -3 to +3" src="{png_data_uri(strip)}">'

    def nearest(self, controls: dict):
        """The generated image's 3 nearest training images (evaluation-network features), with distances."""
        check_mix_class(controls["mix_class"])
        explorer = self.explorer
        pixels = explorer.generate(**generation(controls))
        index = self.nearest_index.get() if self.nearest_index is not None else None
        if index is None:
            reason = self.nearest_index.error if self.nearest_index is not None else "no evaluation network is loaded"
            return [], f"The memorisation check is unavailable: {reason}."
        found = index.query(pixels[0])
        gallery = [(explorer.enlarge(n["image"][None], columns=1),
                    f"#{n['index']} · {n['distance']:.2f}") for n in found]
        text = describe_distance(found[0]["distance"], index.share_of_test_closer(found[0]["distance"]))
        return gallery, text

    def interpolate(self, start_class: str, start_seed: int, end_class: str, end_seed: int, steps: int = 16,
                    mode: str = "spherical", ping_pong: bool = False, start_latent: str = "", end_latent: str = ""):
        """Frames between two (class, seed) endpoints: the GIF file first, then the strip. A latent code from
        /project, when given, replaces that end's seed.

        Args:
            start_class: the first frame's class
            start_seed: the first frame's seed, 0 to 4294967295
            end_class: the last frame's class
            end_seed: the last frame's seed, 0 to 4294967295
            steps: frames, 2 to 64
            mode: spherical or linear interpolation of the latents
            ping_pong: the animation plays forward, then back
            start_latent: a latent code from /project for the first frame; empty: the seed's
            end_latent: a latent code from /project for the last frame; empty: the seed's
        """
        values.flag(ping_pong, "ping_pong")
        gif, strip, _ = self.interpolate_all(start_class, start_seed, end_class, end_seed, steps, mode, ping_pong,
                                             start_latent, end_latent)
        return gif, strip

    def interpolate_all(self, start_class, start_seed, end_class, end_seed, steps=16, mode="spherical",
                        ping_pong=False, start_latent="", end_latent=""):
        """The GIF file (download), the frame strip, and the animation playing in the page."""
        frames = self.explorer.interpolate(start_class, start_seed, end_class, end_seed, steps=steps, mode=mode,
                                           start_latent=start_latent, end_latent=end_latent)
        data = gif_bytes(frames, ping_pong=ping_pong)
        # Named by content: identical requests share one file instead of adding a copy each.
        folder = self.gif_dir / hashlib.sha256(data).hexdigest()[:20]
        folder.mkdir(exist_ok=True)
        path = folder / f"interpolation-{int(steps)}-frames.gif"
        if not path.is_file():
            write_bytes(path, data)  # atomic: a concurrent request never serves half a file
        else:
            path.touch()  # in use again: not old enough to prune
        small = base64.b64encode(gif_bytes(frames, scale=1, ping_pong=ping_pong)).decode()
        animation = f'<img alt="interpolation animation" id="animation-gif" src="data:image/gif;base64,{small}">'
        return str(path), self.explorer.enlarge(frames, columns=min(int(steps), 16)), animation

    def latent(self, seed):
        """The instant tab's one server call per new seed: that seed's z (as the server draws it); given a latent
        code (a projected image's), its values."""
        try:
            if isinstance(seed, str):
                return self.explorer.check_latent(seed).tolist()
            return latents_for_seeds([self.explorer.check_seed(seed)], self.explorer.generator.config.z_dim)[0].tolist()
        except ValueError as e:
            raise rejected("latent", str(e)) from None

    def pixels(self, request: dict):
        """The instant tab's "run on the server" switch: the image's uint8 values as (C, H, W), flattened.

        request: class_name, seed, truncation, mix_class, mix_weight, sliders (a server function takes one value)."""
        try:
            r = read_request("pixels", request, INSTANT_KEYS)
            image = self.explorer.generate(r["class_name"], r["seed"], truncation=r["truncation"],
                                           sliders=r["sliders"], mix_class=r["mix_class"],
                                           mix_weight=r["mix_weight"], latent=r["latent"])[0]
        except (ValueError, TypeError) as e:
            raise rejected("pixels", str(e)) from None
        return (image[None] if image.ndim == 2 else image.transpose(2, 0, 1)).reshape(-1).tolist()

    def refine(self, request: dict):
        """The instant tab's "Refine on the server": a drawing as the model sees it, projected (the encoder's start,
        then the short refinement). request: pixels (the uint8 values, size x size, row by row) and class_name.
        Returns the latent code, its values, the pixel error, the steps and the seconds it took."""
        try:
            r = read_request("refine", request, ("pixels", "class_name"))
            index = self.explorer.class_index(r["class_name"])
            target = self.explorer.check_pixels(r["pixels"])
            found = self.explorer.projector.project(target, index)
        except (ValueError, TypeError) as e:
            raise rejected("refine", str(e)) from None
        return {"latent": latent_code.encode(found.z), "z": found.z.tolist(), "pixel_mse": found.pixel_mse,
                "steps": found.steps, "seconds": found.seconds}

    def view(self, request: dict):
        """The Generate tab's live path (generate.js): the image or grid at its own size as base64 RGBA bytes
        (the browser draws and enlarges it) and the evaluation network's top 3 classes; {"error": why} for bad values."""
        try:
            r = read_request("view", request, tuple(CONTROL_NAMES))
            check_mix_class(r["mix_class"])
            pixels = self.explorer.generate(**generation(r))
        except (ValueError, TypeError) as e:
            return {"error": rejected("view", str(e)).message}
        side, seed = int(r["side"]), int(r["seed"])  # both checked by explorer.generate
        top = sorted(self.explorer.predict(pixels[0]).items(), key=lambda item: -item[1])[:3]
        rgba = grid_image(pixels, columns=side, padding=0 if side == 1 else 1).convert("RGBA")
        return {"rgba": base64.b64encode(rgba.tobytes()).decode(), "width": rgba.width, "height": rgba.height,
                "alt": f"generated {r['class_name']}, seed {seed}" + (f", {side}x{side} grid" if side > 1 else ""),
                "name": f"{r['class_name']}-seed-{seed}".replace("/", "-").replace(" ", "-"),
                "top": [[name, round(p, 4)] for name, p in top]}

    def project(self, image, class_name: str = SUGGESTED):
        """Find the latent whose image is closest to an uploaded PNG, JPEG or WebP image of a garment (on a light
        or dark background): the image as the generator sees it, the reconstruction, the latent code (for the
        `latent` parameters of /generate, /class_grid, /nearest and /interpolate), the class used ("auto": the one
        the evaluation network suggests) and a line with the distances.

        Args:
            image: a PNG, JPEG or WebP image of one garment, up to 10 MB
            class_name: the class to project into, or "auto" for the one the evaluation network suggests
        """
        return self._project(uploaded_path(image, "image"), class_name)

    def project_drawing(self, drawing, class_name: str = SUGGESTED):
        """project() for the sketchpad: its composite image."""
        if not isinstance(drawing, dict) or drawing.get("composite") is None:
            raise ValueError("nothing drawn yet: draw a garment with the brush, then project it")
        return self._project(uploaded_path(drawing["composite"], "drawing"), class_name)

    def _project(self, path: str, class_name: str):
        limit = shared_limit(self.waiting_projections()) if self.explorer.encoder is not None else None
        seen, found = self.explorer.project(read_image(path), class_name, time_limit=limit)
        name = self.names[found.class_index]
        summary = (f"Projected as **{markdown_text(name)}** in {found.steps} steps ({found.seconds:.1f} s). Pixel error (mean "
                   f"squared, 0-1 scale): {found.pixel_mse:.4f}")
        if found.feature_distance == found.feature_distance:  # not nan: there is an evaluation network
            summary += f"; evaluation-feature distance: {found.feature_distance:.2f}"
        enlarge = self.explorer.enlarge
        return (enlarge(seen[None], columns=1), enlarge(found.reconstruction[None], columns=1),
                latent_code.encode(found.z), name, summary + ".")

    @staticmethod
    def random_seed():
        return secrets.randbelow(MAX_SEED + 1)

    def restore(self, request: gr.Request):
        """The shared controls (controls.SHARED) from the page URL (?class=Dress&seed=7&psi=0.8&s0=1.5&z=CODE),
        each falling back to its default; a shared link opens the Generate tab."""
        params = dict(request.query_params) if request is not None else {}
        unread = []  # what the link asked for that cannot be shown: said in a warning, not silently replaced
        restored = []
        for control in SHARED:
            text = params.get(control.url)
            try:
                restored.append(self._from_url(control, text))
            except (ValueError, OverflowError):
                unread.append(f"{control.url}={markdown_text(text, 20)}")
                restored.append(self._from_url(control, None))
        if unread:
            gr.Warning("The link's " + "; ".join(unread[:4]) + " could not be used: the defaults are shown instead.")
        shared = any(control.url in params for control in SHARED)
        return restored + [gr.Tabs(selected="generate") if shared else gr.Tabs()]

    def _from_url(self, control, text: str | None):
        """A control's value from its URL parameter (None: its default); ValueError when it is not one."""
        if control.kind == "class":
            if text is not None and text not in self.names:
                raise ValueError("no such class")
            return self.names[0] if text is None else text
        if control.kind == "latent":
            return "" if text is None else latent_code.encode(self.explorer.check_latent(text))
        if text is None:
            return 0 if control.kind == "seed" else control.default
        value = float(text)
        if not control.low <= value <= control.high:
            raise ValueError("out of range")
        return int(value) if control.kind == "seed" else value
