"""cgan explorer: a Gradio app that puts a trained conditional GAN in your hands, live on GPU or CPU.

    python app.py                               # the shipped weights/
    python app.py --weights USER/REPO --port 7860
    CGAN_WEIGHTS=USER/REPO python app.py        # as on Hugging Face Spaces
"""
from __future__ import annotations

import argparse
import math
import os
import signal
import sys
from pathlib import Path

from starlette.middleware import Middleware

from cgan.devices import describe, pick_device
from cgan.explorer import assets, gradio_internals, instant
from cgan.explorer.build import build_app
from cgan.explorer.memory import limit_arenas
from cgan.explorer.request_guard import RequestGuard
from cgan.explorer.result_files import private_folder
from cgan.explorer.uploads import MAX_BYTES
from cgan.explorer.loading import load_served
from cgan.explorer.server import CACHE_MB, CACHE_MINUTES, QUEUE_STATISTICS, SESSIONS, THEME, port_in_use
from cgan.export import WeightsError
from cgan.export.browser_model import ensure_onnx
from cgan.explorer.encoder import ensure_encoder_onnx

ROOT = Path(__file__).resolve().parent
CACHE_BOUNDS = {"cache_minutes": (1, 7 * 24 * 60), "cache_mb": (1, 1_000_000)}  # a minute to a week; 1 MB to 1 TB


def parse_args(argv):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0],
                                     formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    parser.add_argument("--weights", default=os.environ.get("CGAN_WEIGHTS", str(ROOT / "weights")),
                        help="export folder or Hub repo USER/REPO (env CGAN_WEIGHTS)")
    parser.add_argument("--device", default="auto", help="auto (GPU if present, else CPU), cpu, cuda or mps")
    parser.add_argument("--host", default=os.environ.get("GRADIO_SERVER_NAME", "127.0.0.1"),
                        help="address to listen on (env GRADIO_SERVER_NAME); 0.0.0.0 for every interface")
    parser.add_argument("--port", type=int, default=int(os.environ.get("GRADIO_SERVER_PORT", 7860)),
                        help="port (env GRADIO_SERVER_PORT)")
    parser.add_argument("--share", action="store_true", help="also open a public gradio.live link")
    parser.add_argument("--mcp", action="store_true", default=os.environ.get("CGAN_MCP", "") not in ("", "0"),
                        help="also serve the API endpoints as MCP tools at /gradio_api/mcp/ (needs the mcp package; "
                             "env CGAN_MCP=1)")
    parser.add_argument("--cache-minutes", type=float, default=os.environ.get("CGAN_CACHE_MINUTES", str(CACHE_MINUTES)),
                        help="delete result files (images, GIFs) this many minutes after they were made "
                             "(env CGAN_CACHE_MINUTES)")
    parser.add_argument("--cache-mb", type=float, default=os.environ.get("CGAN_CACHE_MB", str(CACHE_MB)),
                        help="also keep result files under this many MB in total, deleting the least recently used "
                             "(env CGAN_CACHE_MB)")
    args = parser.parse_args(argv)
    if not 1 <= args.port <= 65535:
        parser.error(f"--port must be from 1 to 65535, got {args.port}")
    for name, (low, high) in CACHE_BOUNDS.items():
        if not (math.isfinite(getattr(args, name)) and low <= getattr(args, name) <= high):
            parser.error(f"--{name.replace('_', '-')} must be from {low:g} to {high:g}, got {getattr(args, name)}")
    if port_in_use(args.host, args.port):
        parser.error(f"port {args.port} on {args.host} is already in use; choose another with --port")
    return args


def main(argv=None) -> int:
    args = parse_args(argv)
    # SIGTERM (a Space or a service manager stopping the app) ends it as Ctrl-C does: Gradio closes, and the
    # process's private folders are removed at exit.
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    limit_arenas()  # before any request thread exists
    for name, value in QUEUE_STATISTICS.items():  # read when the queue is made (build_app)
        os.environ.setdefault(name, value)
    if not os.environ.get("GRADIO_TEMP_DIR"):  # Gradio's result cache: this process's own, removed at exit
        os.environ["GRADIO_TEMP_DIR"] = str(private_folder("cgan-gradio-"))
    try:
        device = pick_device(args.device)
        explorer, nearest = load_served(args.weights, device)
    except (WeightsError, ValueError) as e:
        print(f"error: cannot load the generator: {e}", file=sys.stderr)
        return 2
    onnx_model = ensure_onnx(explorer.generator, explorer.generator.source_folder)
    if onnx_model[0] is None:
        print(f"note: the instant tab is off: {onnx_model[1]}", file=sys.stderr)
    encoder_model = None
    if explorer.encoder is not None and onnx_model[0] is not None:
        encoder_model = ensure_encoder_onnx(explorer.encoder, explorer.generator.source_folder)
        if encoder_model is None:
            print("note: drawing in the instant tab is off: the encoder's ONNX file cannot be had", file=sys.stderr)
    demo = build_app(explorer, describe(device), nearest=nearest, cache_minutes=args.cache_minutes,
                     cache_mb=args.cache_mb, onnx_model=onnx_model, encoder_model=encoder_model)
    # Uploads (the Project tab's images) are refused beyond what it reads.
    try:
        launch(demo, args, onnx_model, encoder_model)
    except KeyboardInterrupt:  # Ctrl-C or SIGTERM
        demo.close()
    return 0


def launch(demo, args, onnx_model, encoder_model) -> None:
    """Serve the app until the process is stopped."""
    if args.mcp:
        gradio_internals.unwrap_mcp_results()  # images come back as images
    demo.queue(default_concurrency_limit=4).launch(
        server_name=args.host, server_port=args.port, share=args.share,
        head=instant.head(onnx_model[0], encoder_model) if onnx_model[0] else None, theme=THEME, css=assets.read("style.css"),
        footer_links=["api"], max_file_size=MAX_BYTES, show_error=True, state_session_capacity=SESSIONS,
        mcp_server=args.mcp,
        app_kwargs={"middleware": [Middleware(RequestGuard, blocks=demo)]})


if __name__ == "__main__":
    sys.exit(main())
