"""Fetch the pinned onnxruntime-web files that the app's instant mode serves, and check them.

    python -m cgan.explorer.fetch_runtime            # download from the npm registry (if missing or wrong), verify
    python -m cgan.explorer.fetch_runtime --check    # verify the committed files; download nothing

The files are committed under cgan/explorer/web/vendor/, so the app and a Space work from the repo alone (no CDN,
works offline). The tarball is checked against npm's sha512 integrity, each file against its sha256.
"""
from __future__ import annotations

import argparse
import base64
import hashlib
import io
import sys
import tarfile
import urllib.request
from pathlib import Path

from cgan.explorer.assets import WEB

VERSION = "1.30.0"
TARBALL = f"https://registry.npmjs.org/onnxruntime-web/-/onnxruntime-web-{VERSION}.tgz"
INTEGRITY = "sha512-q0y+JrrtukXSzsBWEMccVfqX25LRmosXHF+CaRJmg8pZClzcV7svNc4rKY3jL02Vb7QmRMDs1SigqR4CXAfKYQ=="
# The WebAssembly-only build (no WebGPU/WebGL): the script, its loader and the SIMD module.
FILES = {
    "ort.wasm.min.js": "faece07e84faa9001f5104bbe4e5c70861d06cb2376a0dea1fa0ad33a67adc81",
    "ort-wasm-simd-threaded.mjs": "e13f7f94fc51b4ca72b12faeb1ee95f4ace6dfbc8939bc718aabdc0a27c4299b",
    "ort-wasm-simd-threaded.wasm": "3398c10d07d229bd91b364548e130e0e51a8e5704b88c7c083ebbeb78842dee2",
}
VENDOR = WEB / "vendor" / f"onnxruntime-web-{VERSION}"


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def problems(folder: Path = VENDOR) -> list[str]:
    """What is missing or altered in the vendored files (empty when all is well)."""
    found = []
    for name, digest in FILES.items():
        path = folder / name
        if not path.is_file():
            found.append(f"{path}: missing")
        elif sha256(path.read_bytes()) != digest:
            found.append(f"{path}: sha256 differs from the pinned {digest}")
    return found


def fetch(folder: Path = VENDOR) -> None:
    """Download the tarball, check its integrity and each file's digest, then write the files."""
    print(f"downloading {TARBALL}", flush=True)
    with urllib.request.urlopen(TARBALL, timeout=120) as response:
        data = response.read()
    algorithm, expected = INTEGRITY.split("-", 1)
    if base64.b64encode(hashlib.new(algorithm, data).digest()).decode() != expected:
        raise SystemExit(f"{TARBALL}: {algorithm} integrity does not match the pinned {INTEGRITY}")
    folder.mkdir(parents=True, exist_ok=True)
    with tarfile.open(fileobj=io.BytesIO(data), mode="r:gz") as tar:
        for name, digest in FILES.items():
            content = tar.extractfile(f"package/dist/{name}").read()
            if sha256(content) != digest:
                raise SystemExit(f"{name} in the tarball: sha256 {sha256(content)} is not the pinned {digest}")
            (folder / name).write_bytes(content)
            print(f"  {name}: {len(content):,} bytes, sha256 ok", flush=True)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--check", action="store_true", help="only verify the committed files")
    args = parser.parse_args(argv)
    if not args.check and problems():
        fetch()
    found = problems()
    for line in found:
        print(line, file=sys.stderr)
    if not found:
        print(f"onnxruntime-web {VERSION}: {len(FILES)} files in {VENDOR}, checksums ok")
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
