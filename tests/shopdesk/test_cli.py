"""The shopdesk command as an operator uses it: import a catalog, search it, see clear errors."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

from retrieval.embeddings import TextEncoder
from retrieval.product_index import ProductIndex
from shopdesk.cli import main
from shopdesk.settings import get_settings

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "catalogs"


@pytest.fixture
def shop_home(tmp_path, monkeypatch):
    monkeypatch.setenv("SHOPDESK_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("SHOPDESK_DATABASE_URL", raising=False)
    monkeypatch.delenv("SHOPDESK_INDEX_DIR", raising=False)
    return tmp_path


def test_import_reports_bad_rows_imports_the_rest_and_indexes_them(shop_home, capsys):
    assert main(["catalog", "import", str(FIXTURES / "shopify_bad_rows.csv")]) == 0
    output = capsys.readouterr().out
    assert "line 3" in output and "line 4" in output
    index = ProductIndex.load(get_settings().index_dir, TextEncoder("bundled:all-MiniLM-L6-v2"))
    titles = [hit.record.title for hit in index.search("soft tee", None, k=3)]
    assert titles == ["Good Tee"]


def test_reimporting_updates_the_index_incrementally(shop_home, capsys):
    assert main(["catalog", "import", str(FIXTURES / "products.csv")]) == 0
    first = ProductIndex.load(get_settings().index_dir, TextEncoder("bundled:all-MiniLM-L6-v2"))
    assert main(["catalog", "import", str(FIXTURES / "products.jsonl")]) == 0
    second = ProductIndex.load(get_settings().index_dir, TextEncoder("bundled:all-MiniLM-L6-v2"))
    assert len(second) >= len(first)


def test_importing_over_an_index_of_an_older_shopdesk_rebuilds_it(shop_home, capsys):
    assert main(["catalog", "import", str(FIXTURES / "products.csv")]) == 0
    manifest = get_settings().index_dir / "manifest.json"
    manifest.write_text(json.dumps({**json.loads(manifest.read_text()), "format_version": 1}))
    assert main(["catalog", "import", str(FIXTURES / "products.jsonl")]) == 0
    index = ProductIndex.load(get_settings().index_dir, TextEncoder("bundled:all-MiniLM-L6-v2"))
    assert len(index) > 0


def test_unreachable_database_gives_a_clear_error(shop_home, monkeypatch, capsys):
    monkeypatch.setenv("SHOPDESK_DATABASE_URL", "postgresql://shop:secret@127.0.0.1:1/shop")
    assert main(["db", "upgrade"]) == 1
    output = capsys.readouterr().out
    assert "Cannot connect to the shop database" in output
    assert "secret" not in output


def test_missing_catalog_file_gives_a_clear_error(shop_home, capsys):
    assert main(["catalog", "import", str(shop_home / "nope.csv")]) == 1
    assert "nope.csv" in capsys.readouterr().out


@pytest.mark.parametrize("migrated", [False, True], ids=["new database", "migrated, no products"])
def test_training_before_the_catalog_is_imported_says_to_import_it(shop_home, capsys, migrated):
    if migrated:
        assert main(["db", "upgrade"]) == 0
    assert main(["train"]) == 1
    output = " ".join(capsys.readouterr().out.split())
    assert "has no products yet" in output
    assert "shopdesk catalog import FILE" in output and "shopdesk demo seed" in output
    assert not (shop_home / "generated" / "lookups.yml").exists()


def test_generated_api_token_is_kept_and_private(shop_home, monkeypatch):
    from shopdesk.secrets import api_token

    monkeypatch.delenv("SHOPDESK_API_TOKEN", raising=False)
    token = api_token(get_settings())
    assert token == api_token(get_settings())
    assert oct((shop_home / "api-token").stat().st_mode & 0o777) == "0o600"


def test_a_bad_number_setting_is_named_without_a_traceback(shop_home, monkeypatch, capsys):
    monkeypatch.setenv("SHOPDESK_RASA_PORT", "fifty")
    assert main(["db", "upgrade"]) == 1
    assert "SHOPDESK_RASA_PORT must be a whole number, got 'fifty'" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("SHOPDESK_STAFF_HOURS", "weekdays"),
        ("SHOPDESK_STAFF_TIMEZONE", "Mars/Olympus"),
        ("SHOPDESK_SHOP_TIMEZONE", "Mars/Olympus"),
    ],
)
def test_run_refuses_to_start_with_bad_hours_or_time_zone(
    shop_home, monkeypatch, capsys, variable, value
):
    monkeypatch.setenv(variable, value)
    assert main(["run"]) == 1
    output = capsys.readouterr().out
    assert f"{variable}={value!r}" in output
    assert "No trained model" not in output


def test_a_bug_is_not_dressed_up_as_an_operator_error(shop_home, monkeypatch):
    def broken(settings):
        raise ValueError("a bug in shopdesk")

    monkeypatch.setattr("shopdesk.operations.prepare_database", broken)
    with pytest.raises(ValueError, match="a bug in shopdesk"):
        main(["db", "upgrade"])


def test_library_warnings_go_to_the_log_file_not_the_screen(shop_home):
    script = (
        "import sys, warnings\n"
        "from shopdesk.cli import main\n"
        "code = main(['db', 'upgrade'])\n"
        "warnings.warn('a third-party deprecation', FutureWarning)\n"
        "sys.exit(code)\n"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert "third-party deprecation" not in done.stdout + done.stderr
    assert "third-party deprecation" in (shop_home / "logs" / "shopdesk.log").read_text()
