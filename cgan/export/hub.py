"""Everything that talks to the Hugging Face Hub: downloading an export, publishing one, and its Space.

The only module that imports huggingface_hub, so the rest of the package works without the network.
The token comes from HF_TOKEN or `hf auth login`'s cache, read by huggingface_hub itself; cgan never
prints, logs or writes it.
"""
from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from huggingface_hub import CommitOperationAdd, HfApi, snapshot_download
from huggingface_hub.errors import (EntryNotFoundError, HfHubHTTPError, HFValidationError, LocalEntryNotFoundError,
                                    RepositoryNotFoundError, RevisionNotFoundError)
from huggingface_hub.utils import validate_repo_id

from cgan.export.folder import WeightsError, load_export
from cgan.export.model_card import card_text
from cgan.export.names import CARD_NAME, CONFIG_NAME, EXPORT_FILES, WEIGHTS_NAME
from cgan.export.space import APP_FILES, WEIGHTS_VARIABLE, stage_space
from cgan.files import write_text


BAD_REF_PARTS = ("..", "@{", "//", " ", "~", "^", ":", "?", "*", "[", "\\", "#")  # what git refuses in a branch


def check_repo_id(value: str, what: str = "repo id") -> str:
    """`value` when it is a USER/NAME id that the Hub accepts (huggingface_hub's own rules), else ValueError;
    checked before any network call."""
    try:
        validate_repo_id(value)
    except HFValidationError as e:
        raise ValueError(f"{what} {value!r} is not a Hub id: {str(e).splitlines()[0][:160]}") from None
    if value.count("/") != 1:
        raise ValueError(f"{what} must be USER/NAME, got {value!r}")
    return value


def check_revision(value: str | None) -> str | None:
    """`value` when it is a branch name git and the Hub accept (or None), else ValueError."""
    if value is None:
        return None
    bad = (not value or value.startswith(("/", "-", ".")) or value.endswith(("/", ".", ".lock"))
           or any(part in value for part in BAD_REF_PARTS) or any(ord(c) < 32 or ord(c) == 127 for c in value))
    if bad:
        raise ValueError(f"--revision {value!r} is not a branch name the Hub accepts")
    return value


def check_export(export_dir: str | Path) -> None:
    """An export folder with its config.json and weights, else ValueError: nothing is pushed from anything less."""
    folder = Path(export_dir)
    missing = [name for name in (CONFIG_NAME, WEIGHTS_NAME) if not (folder / name).is_file()]
    if missing:
        raise ValueError(f"{folder} is not an export folder (no {' or '.join(missing)}); train.py writes one to "
                         f"RUN/export")


def download_export(repo_id: str, *, revision: str | None = None) -> Path:
    """Fetch an export from the Hub (through its cache; HF_HUB_OFFLINE and HF_ENDPOINT apply)."""
    where = repo_id + (f"@{revision}" if revision else "")
    try:
        return Path(snapshot_download(repo_id, revision=revision, allow_patterns=EXPORT_FILES, library_name="cgan"))
    except RepositoryNotFoundError:
        raise WeightsError(f"{where}: no such model repo on the Hub (or it is private and no token allows it)") from None
    except RevisionNotFoundError:
        raise WeightsError(f"{where}: the repo has no revision {revision!r}") from None
    except EntryNotFoundError as e:
        raise WeightsError(f"{where}: a file is missing ({e})") from None
    except LocalEntryNotFoundError:
        raise WeightsError(f"{where}: not in the local cache and the Hub cannot be reached (offline?)") from None
    except (HfHubHTTPError, OSError) as e:
        raise WeightsError(f"{where}: download failed: {short_error(e)}") from None


def push_export(export_dir: str | Path, repo_id: str, *, private: bool = False, revision: str | None = None,
                commit_message: str = "Upload cgan generator") -> str:
    """Upload the export with its model card in one commit; returns the commit URL.

    The card is written into export_dir only after the push succeeded, so a failed push changes nothing locally.
    """
    folder = Path(export_dir)
    if not (folder / CONFIG_NAME).is_file() or not (folder / WEIGHTS_NAME).is_file():
        raise WeightsError(f"{folder}: not a cgan export (needs {CONFIG_NAME} and {WEIGHTS_NAME})")
    load_export(folder)  # the checks every loader makes, before anything leaves the machine
    card = card_text(folder, repo_id)
    operations = [CommitOperationAdd(name, str(folder / name)) for name in EXPORT_FILES
                  if name != CARD_NAME and (folder / name).is_file()]
    operations.append(CommitOperationAdd(CARD_NAME, card.encode("utf-8")))
    api = HfApi(library_name="cgan")
    api.create_repo(repo_id, private=private, exist_ok=True)
    if revision:
        api.create_branch(repo_id, branch=revision, exist_ok=True)
    info = api.create_commit(repo_id, operations=operations, revision=revision, commit_message=commit_message)
    write_text(folder / CARD_NAME, card)
    return info.commit_url


def push_space(space_id: str, model_id: str, *, private: bool = False, hardware: str | None = None) -> str:
    """Create or update the Space that serves model_id; returns its URL.

    One commit uploads the staged files and deletes the app files a previous push left and this one no longer
    has, so pushing again updates the Space in place."""
    api = HfApi(library_name="cgan")
    url = api.create_repo(space_id, repo_type="space", space_sdk="gradio", private=private, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="cgan-space-") as tmp:
        stage_space(Path(tmp), space_id, model_id, hardware=hardware)
        api.upload_folder(repo_id=space_id, repo_type="space", folder_path=tmp,
                          delete_patterns=["cgan/**", *APP_FILES], commit_message=f"Serve {model_id}")
    api.add_space_variable(space_id, WEIGHTS_VARIABLE, model_id, description="the model repo the app serves")
    if hardware:
        api.request_space_hardware(space_id, hardware)
    return str(url)


def short_error(error: Exception) -> str:
    """First line of an error, which for Hub errors holds the HTTP status and URL but never the token."""
    text = str(error).strip().splitlines()
    return text[0] if text else type(error).__name__


def push_or_explain(export_dir: str | Path, repo_id: str, *, private: bool = False, revision: str | None = None) -> int:
    """Push, or say in two lines what failed and how to retry; returns the exit code."""
    try:
        url = push_export(export_dir, repo_id, private=private, revision=revision)
    except Exception as e:  # noqa: BLE001 - any failure leaves the export intact; say so without a traceback
        retry = f"python -m cgan.push {export_dir} {repo_id}" + (f" --revision {revision}" if revision else "")
        print(f"error: push to the Hub failed: {short_error(e)}", file=sys.stderr)
        print(f"The export in {export_dir} is complete; retry with: {retry}", file=sys.stderr)
        return 1
    print(f"pushed {export_dir} to {repo_id}: {url}")
    return 0
