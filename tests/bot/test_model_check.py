"""A missing or damaged model stops the start with one sentence saying what to do."""

from __future__ import annotations

import io
import subprocess
import sys
import tarfile

from bot.model_check import model_argument, model_problem
from shopdesk.settings import PROJECT_ROOT


def rasa_like_model(path, *, metadata: bool = True):
    with tarfile.open(path, "w:gz") as archive:
        names = ["metadata.json", "components/x.json"] if metadata else ["readme.txt"]
        for name in names:
            data = b"{}"
            info = tarfile.TarInfo(name)
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
    return path


def test_a_good_archive_passes(tmp_path):
    assert model_problem(rasa_like_model(tmp_path / "m.tar.gz")) is None
    assert model_problem(tmp_path) is None  # a directory: its newest model


def test_each_problem_names_the_file_and_the_command_that_fixes_it(tmp_path):
    missing = model_problem(tmp_path / "gone.tar.gz")
    assert "does not exist" in missing and "shopdesk train --force" in missing

    truncated = tmp_path / "cut.tar.gz"
    whole = rasa_like_model(tmp_path / "whole.tar.gz").read_bytes()
    truncated.write_bytes(whole[: len(whole) // 2])
    assert "damaged" in model_problem(truncated)

    garbage = tmp_path / "garbage.tar.gz"
    garbage.write_bytes(b"not a model at all")
    assert "damaged" in model_problem(garbage)

    other = rasa_like_model(tmp_path / "other.tar.gz", metadata=False)
    assert "not a Rasa model" in model_problem(other)

    (tmp_path / "empty").mkdir()
    assert "no trained model" in model_problem(tmp_path / "empty")


def test_model_argument_reads_rasa_run_options():
    assert str(model_argument(["--model", "a.tar.gz"])) == "a.tar.gz"
    assert str(model_argument(["--enable-api", "--model=b.tar.gz"])) == "b.tar.gz"
    assert str(model_argument(["-m", "c"])) == "c"
    assert str(model_argument([])) == "models"


def test_the_rasa_server_refuses_a_damaged_model_without_a_traceback(tmp_path):
    damaged = tmp_path / "damaged.tar.gz"
    damaged.write_bytes(b"\x1f\x8b\x08\x00garbage")

    result = subprocess.run(
        [sys.executable, "-m", "bot.rasa_main", "run", "--model", str(damaged)],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )

    assert result.returncode == 1
    assert f"The model file {damaged} is damaged" in result.stderr
    assert "shopdesk train --force" in result.stderr
    assert "Traceback" not in result.stderr + result.stdout
