"""The shipped model card says what the shipped files say: it is the card `cgan.push` would write for them.

After changing anything in `weights/` (a new metrics.json, new weights, a new card layout), rewrite it with
`python tests/test_shipped_card.py --write`.
"""
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
WEIGHTS = ROOT / "weights"
REPO_ID = "USER/cgan-fashion-mnist"  # the placeholder the card's code example shows


def shipped_card() -> str:
    from cgan.export.model_card import card_text
    return card_text(WEIGHTS, REPO_ID)


def test_the_shipped_card_is_current():
    assert (WEIGHTS / "README.md").read_text() == shipped_card(), \
        "weights/README.md is stale: rewrite it with python tests/test_shipped_card.py --write"


def test_the_shipped_card_reports_every_measurement_of_the_evaluation():
    card = (WEIGHTS / "README.md").read_text()
    for row in ("FID (evaluation-network features)", "FID (label-free autoencoder features)",
                "two-sample detector accuracy"):
        assert f"| {row}" in card


if __name__ == "__main__" and sys.argv[1:] == ["--write"]:
    sys.path.insert(0, str(ROOT))
    (WEIGHTS / "README.md").write_text(shipped_card())
    print(f"wrote {WEIGHTS / 'README.md'}")
