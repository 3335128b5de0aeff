"""shopdesk installed from its wheel runs without the checkout, from an empty directory.

The wheel is built from a copy of the working tree (so the shared checkout gets no ``build/``)
and installed into a fresh virtualenv. That virtualenv finds the dependencies in the project
virtualenv through a plain path in a ``.pth`` file, so nothing is downloaded; the project
virtualenv's own ``.pth`` files, among them the editable install's finder that maps
``shopdesk`` to the checkout, are not run, and every test checks which copy it imported.

The full ``rasa train`` run (minutes) is left out: the test loads the training inputs with
Rasa's own importer, which is what ``rasa train`` does first, and checks that they are the
packaged files and hold every intent the checkout's NLU data has.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import sysconfig
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml

from shopdesk.settings import PROJECT_ROOT

pytestmark = pytest.mark.packaging

#: What the working-tree copy leaves out: environments, generated data, caches, build output.
NOT_SOURCE = shutil.ignore_patterns(
    ".git",
    ".venv",
    ".shopdesk",
    ".rasa",
    ".tools",
    "build",
    "dist",
    "results",
    "node_modules",
    "*.egg-info",
    "__pycache__",
    ".*_cache",
)

DEMO_PRODUCTS = 50


@dataclass(frozen=True)
class InstalledWheel:
    """A virtualenv holding the shopdesk wheel, and an empty directory to run it from."""

    python: Path
    shopdesk: Path
    site_packages: Path
    workdir: Path

    def run(self, *args: str | Path, timeout: float = 600) -> subprocess.CompletedProcess[str]:
        """Run a program of the virtualenv in the working directory, with no shopdesk settings."""
        env = {
            name: value
            for name, value in os.environ.items()
            if not name.startswith("SHOPDESK_") and name not in ("PYTHONPATH", "PYTHONHOME")
        }
        # Wide enough that the command's messages are not wrapped.
        env.update(HF_HUB_OFFLINE="1", TRANSFORMERS_OFFLINE="1", COLUMNS="1000")
        completed = subprocess.run(
            [str(arg) for arg in args],
            cwd=self.workdir,
            env=env,
            capture_output=True,
            text=True,
            timeout=timeout,
        )
        assert completed.returncode == 0, (
            f"{args} exited with {completed.returncode}:\n{completed.stdout}\n{completed.stderr}"
        )
        return completed

    def python_json(self, code: str) -> dict:
        """Run ``code`` with the virtualenv's Python; it prints one JSON object last."""
        output = self.run(self.python, "-c", code).stdout
        return json.loads(output.strip().splitlines()[-1])


def _build_wheel(source: Path, wheel_dir: Path) -> Path:
    tree = wheel_dir.parent / "source"
    shutil.copytree(source, tree, ignore=NOT_SOURCE)
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--no-build-isolation",
            "--disable-pip-version-check",
            "--quiet",
            "--wheel-dir",
            str(wheel_dir),
            str(tree),
        ],
        check=True,
        timeout=600,
    )
    (wheel,) = wheel_dir.glob("shopdesk-*.whl")
    return wheel


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> InstalledWheel:
    """The wheel built from this tree, installed into a new virtualenv."""
    root = tmp_path_factory.mktemp("packaging")
    wheel = _build_wheel(PROJECT_ROOT, root / "wheel")
    venv = root / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=600)
    python = venv / "bin" / "python"
    site_packages = Path(
        subprocess.run(
            [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
            check=True,
            capture_output=True,
            text=True,
        ).stdout.strip()
    )
    # The dependencies: the project virtualenv's site-packages as a plain path, after the
    # virtualenv's own (a plain path line runs none of that directory's .pth files).
    (site_packages / "shopdesk-dependencies.pth").write_text(
        sysconfig.get_paths()["purelib"] + "\n", encoding="utf-8"
    )
    subprocess.run(
        [str(python), "-m", "pip", "install", "--no-deps", "--no-index", "--quiet", str(wheel)],
        check=True,
        timeout=600,
    )
    workdir = root / "empty"
    workdir.mkdir()
    return InstalledWheel(python, venv / "bin" / "shopdesk", site_packages, workdir)


def test_the_wheels_copy_is_imported_and_finds_its_data_inside_the_virtualenv(
    installed: InstalledWheel,
) -> None:
    found = installed.python_json(
        "import json, shopdesk, bot, nlu_data\n"
        "from shopdesk import settings\n"
        "s = settings.get_settings()\n"
        "print(json.dumps({'shopdesk': shopdesk.__file__, 'bot': bot.__file__,\n"
        "    'nlu_data': list(nlu_data.__path__), 'checkout': settings.RUNNING_FROM_CHECKOUT,\n"
        "    'bot_dir': str(settings.BOT_DIR), 'data_dir': str(s.data_dir),\n"
        "    'knowledge_base': str(s.knowledge_base_path),\n"
        "    'reviewed': str(s.reviewed_examples)}))"
    )
    site = installed.site_packages
    assert Path(found["shopdesk"]) == site / "shopdesk" / "__init__.py"
    assert Path(found["bot"]) == site / "bot" / "__init__.py"
    assert [Path(p) for p in found["nlu_data"]] == [site / "nlu_data"]
    assert found["checkout"] is False
    assert Path(found["bot_dir"]) == site / "bot"
    assert Path(found["data_dir"]) == installed.workdir / ".shopdesk"
    assert Path(found["knowledge_base"]).is_file()
    assert Path(found["knowledge_base"]).is_relative_to(site)
    # What the shop edits or generates goes to the data directory, never into site-packages.
    assert Path(found["reviewed"]) == installed.workdir / ".shopdesk" / "reviewed.yml"


@pytest.fixture(scope="module")
def seeded(installed: InstalledWheel) -> tuple[str, str]:
    """Output of ``shopdesk db upgrade`` and ``shopdesk demo seed`` run in the empty directory."""
    upgrade = installed.run(installed.shopdesk, "db", "upgrade")
    seed = installed.run(installed.shopdesk, "demo", "seed", "--products", str(DEMO_PRODUCTS))
    return upgrade.stdout, seed.stdout


def test_demo_store_and_index_are_built_in_the_current_directory(
    installed: InstalledWheel, seeded: tuple[str, str]
) -> None:
    upgrade, seed = seeded
    assert "latest schema" in upgrade
    assert f"Seeded the demo store ({DEMO_PRODUCTS} products)" in seed

    index = installed.run(installed.shopdesk, "index", "build")
    assert f"{DEMO_PRODUCTS} products" in index.stdout

    data_dir = installed.workdir / ".shopdesk"
    assert (data_dir / "shop.db").is_file()
    assert (data_dir / "product-index").is_dir()


def _checkout_yaml(folder: str) -> list[dict]:
    return [
        yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        for path in sorted((PROJECT_ROOT / folder).glob("*.yml"))
    ]


def _checkout_nlu_intents() -> set[str]:
    return {
        item["intent"]
        for document in _checkout_yaml("nlu_data/train")
        for item in document.get("nlu", [])
        if "intent" in item
    }


def _checkout_domain_intents() -> set[str]:
    return {
        item if isinstance(item, str) else next(iter(item))
        for document in _checkout_yaml("bot/domain")
        for item in document.get("intents", [])
    }


def test_training_reads_the_packaged_bot_project_and_nlu_data(
    installed: InstalledWheel, seeded: tuple[str, str]
) -> None:
    loaded = installed.python_json(
        "import json\n"
        "from rasa.shared.importers.importer import TrainingDataImporter\n"
        "from shopdesk.settings import get_settings\n"
        "from shopdesk.training import default_inputs, refresh_lookup_tables\n"
        "settings = get_settings()\n"
        "inputs = default_inputs(settings)\n"
        "refresh_lookup_tables(settings, inputs.data[-1])\n"
        "importer = TrainingDataImporter.load_from_config(\n"
        "    config_path=str(inputs.config), domain_path=str(inputs.domain),\n"
        "    training_data_paths=[str(p) for p in inputs.data])\n"
        "nlu = importer.get_nlu_data()\n"
        "print(json.dumps({'paths': [str(inputs.config), str(inputs.domain),\n"
        "    *map(str, inputs.data)], 'domain_intents': sorted(importer.get_domain().intents),\n"
        "    'nlu_intents': sorted(nlu.intents),\n"
        "    'lookup_tables': sorted(t['name'] for t in nlu.lookup_tables),\n"
        "    'story_steps': len(importer.get_stories().story_steps),\n"
        "    'pipeline': [c['name'] for c in importer.get_config()['pipeline']]}))"
    )
    *packaged, lookups = (Path(p) for p in loaded["paths"])
    assert all(path.is_relative_to(installed.site_packages) for path in packaged), packaged
    assert lookups.is_relative_to(installed.workdir / ".shopdesk")

    assert set(loaded["nlu_intents"]) >= _checkout_nlu_intents()
    assert set(loaded["domain_intents"]) >= _checkout_domain_intents()
    assert {"brand", "color", "product_category"} <= set(loaded["lookup_tables"])
    assert loaded["story_steps"] > 0
    assert "bot.components.bert_intent_classifier.BertIntentClassifier" in loaded["pipeline"]
