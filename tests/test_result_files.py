"""Result files are deleted once old, fresh ones stay, and pruning reports what it removed."""
import os
import time

from cgan.explorer.result_files import Pruner, prune


def make(path, age_s):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"x")
    then = time.time() - age_s
    os.utime(path, (then, then))
    os.utime(path.parent, (then, then))


def test_prune_removes_old_files_and_the_folders_they_leave_empty(tmp_path):
    make(tmp_path / "a" / "old.png", 120)
    make(tmp_path / "b" / "fresh.png", 1)
    make(tmp_path / "c" / "old.gif", 120)
    make(tmp_path / "c" / "fresh.gif", 1)
    removed = prune(tmp_path, 60)
    assert sorted(p.name for p in removed) == ["old.gif", "old.png"]
    assert not (tmp_path / "a").exists()  # emptied and old
    assert (tmp_path / "b" / "fresh.png").is_file() and (tmp_path / "c" / "fresh.gif").is_file()
    assert tmp_path.is_dir()  # the root stays


def test_pruner_reports_removed_files_and_survives_a_missing_folder(tmp_path):
    make(tmp_path / "cache" / "x" / "old.webp", 300)
    seen = []
    pruner = Pruner([tmp_path / "cache", tmp_path / "never-made"], 60, on_removed=seen.extend)
    assert pruner.period == 0.5
    assert [p.name for p in pruner.run_once()] == ["old.webp"] and [p.name for p in seen] == ["old.webp"]
    assert pruner.run_once() == []


def test_the_size_cap_removes_the_least_recently_used_first(tmp_path):
    for name, age in (("oldest.gif", 500), ("middle.png", 300), ("newest.png", 100)):
        make(tmp_path / "a" / name, age)
        (tmp_path / "a" / name).write_bytes(b"x" * 1000)
        os.utime(tmp_path / "a" / name, (time.time() - age, time.time() - age))
    pruner = Pruner([tmp_path / "a"], 3600, max_bytes=3750)
    assert pruner.run_once() == []  # 3000 bytes: not above 80 % of the cap
    pruner.max_bytes = 3500  # above 80 % (2800): down to half of it (1750)
    assert [p.name for p in pruner.run_once()] == ["oldest.gif", "middle.png"]
    (tmp_path / "a" / "again.png").write_bytes(b"x" * 1000)
    os.utime(tmp_path / "a" / "again.png", (time.time() - 90, time.time() - 90))
    os.utime(tmp_path / "a" / "newest.png")  # served again: now the most recently used
    pruner.max_bytes = 2000  # 2000 bytes, above 1600: down to 1000
    assert [p.name for p in pruner.run_once()] == ["again.png"]
    assert [p.name for p in (tmp_path / "a").iterdir()] == ["newest.png"]


def test_a_file_a_queued_request_will_read_is_spared_by_age_and_by_size(tmp_path):
    for name, age in (("result.png", 500), ("upload.png", 9000)):
        (tmp_path / "a").mkdir(exist_ok=True)
        (tmp_path / "a" / name).write_bytes(b"x" * 1000)
        os.utime(tmp_path / "a" / name, (time.time() - age, time.time() - age))
    waiting = {str((tmp_path / "a" / "upload.png").resolve())}
    pruner = Pruner([tmp_path / "a"], 3600, max_bytes=1000, in_use=lambda: waiting)
    assert [p.name for p in pruner.run_once()] == ["result.png"]  # the upload: too old and over the cap, but queued
    waiting.clear()  # its request has read it
    assert [p.name for p in pruner.run_once()] == ["upload.png"]


def test_many_tiny_files_are_capped_by_their_count_too(tmp_path):
    from cgan.explorer.result_files import MAX_FILES

    for i in range(MAX_FILES + 10):
        make(tmp_path / "uploads" / f"{i // 100}" / f"{i:05d}.png", 100 + (MAX_FILES - i) * 0.001)
    removed = Pruner([tmp_path / "uploads"], 3600, max_bytes=10**12).run_once()
    left = sorted(p.name for p in (tmp_path / "uploads").rglob("*.png"))
    assert len(left) == MAX_FILES // 2 and len(removed) == MAX_FILES + 10 - MAX_FILES // 2
    assert left[0] == f"{MAX_FILES + 10 - MAX_FILES // 2:05d}.png"  # the least recently made went first
