"""Publish an existing export (such as weights/) to the Hugging Face Hub.

    python -m cgan.push weights USER/REPO [--private] [--revision BRANCH]
"""
from __future__ import annotations

import argparse
import sys

from cgan.export.hub import push_or_explain


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("export_dir", help="folder with config.json and model.safetensors (e.g. weights)")
    parser.add_argument("repo_id", help="USER/REPO on the Hub (created if missing)")
    parser.add_argument("--private", action="store_true", help="create the repo as private")
    parser.add_argument("--revision", default=None, help="branch to push to (created if missing)")
    args = parser.parse_args(argv)
    if args.repo_id.count("/") != 1:
        parser.error(f"repo id must be USER/REPO, got {args.repo_id!r}")
    return push_or_explain(args.export_dir, args.repo_id, private=args.private, revision=args.revision)


if __name__ == "__main__":
    sys.exit(main())
