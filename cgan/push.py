"""Publish an existing export (such as weights/) to the Hugging Face Hub, and optionally a Space that serves it.

    python -m cgan.push weights USER/REPO [--private] [--revision BRANCH]
    python -m cgan.push weights USER/REPO --space USER/SPACE [--hardware cpu-basic]
"""
from __future__ import annotations

import argparse
import sys

from cgan.export.hub import check_export, check_repo_id, check_revision, push_or_explain, push_space, short_error


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("export_dir", help="folder with config.json and model.safetensors (e.g. weights)")
    parser.add_argument("repo_id", help="USER/REPO on the Hub (created if missing)")
    parser.add_argument("--private", action="store_true", help="create the repo (and the Space) as private")
    parser.add_argument("--revision", default=None, help="branch to push to (created if missing)")
    parser.add_argument("--space", default=None, metavar="USER/SPACE",
                        help="also create or update a Gradio Space that serves the model repo")
    parser.add_argument("--hardware", default=None, help="the Space's hardware, e.g. cpu-basic or t4-small "
                                                         "(default: the Hub's, cpu-basic)")
    args = parser.parse_args(argv)
    try:  # every id and the folder checked before any network call
        check_repo_id(args.repo_id)
        if args.space is not None:
            check_repo_id(args.space, "--space")
        check_revision(args.revision)
        check_export(args.export_dir)
    except ValueError as e:
        parser.error(str(e))
    if args.hardware and not args.space:
        parser.error("--hardware is a Space setting; give --space USER/SPACE too")
    code = push_or_explain(args.export_dir, args.repo_id, private=args.private, revision=args.revision)
    if code or not args.space:
        return code
    if args.revision:
        print(f"note: the Space serves {args.repo_id}'s main branch, not {args.revision}", file=sys.stderr)
    try:
        url = push_space(args.space, args.repo_id, private=args.private, hardware=args.hardware)
    except Exception as e:  # noqa: BLE001 - a Hub or disk failure: say what and how to retry, no traceback
        print(f"error: the Space push failed: {short_error(e)}", file=sys.stderr)
        print(f"The model repo {args.repo_id} is pushed; retry the Space with: python -m cgan.push "
              f"{args.export_dir} {args.repo_id} --space {args.space}", file=sys.stderr)
        return 1
    print(f"the Space {args.space} serves {args.repo_id}: {url}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
