"""How the command-line tools end on a user's mistake: one clear line on stderr, no traceback."""
from __future__ import annotations

import argparse
import sys


def fail(message: str, code: int = 1) -> None:
    """Print `error: message` and exit with `code`."""
    print(f"error: {message}", file=sys.stderr)
    raise SystemExit(code)


def generator_parser(doc: str) -> argparse.ArgumentParser:
    """A command's parser (described by its docstring's first line) with the flags that pick a generator."""
    parser = argparse.ArgumentParser(description=doc.split("\n")[0],
                                     formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    parser.add_argument("--weights", default="weights", help="export folder or Hub repo id USER/REPO")
    parser.add_argument("--revision", default=None, help="Hub revision (branch, tag or commit)")
    parser.add_argument("--device", default="auto", help="auto, cpu, cuda or mps")
    return parser
