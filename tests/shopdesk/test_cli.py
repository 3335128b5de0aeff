"""The shopdesk command as an operator uses it: import a catalog, search it, see clear errors."""

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


def test_unreachable_database_gives_a_clear_error(shop_home, monkeypatch, capsys):
    monkeypatch.setenv("SHOPDESK_DATABASE_URL", "postgresql://shop:secret@127.0.0.1:1/shop")
    assert main(["db", "upgrade"]) == 1
    output = capsys.readouterr().out
    assert "Cannot connect to the shop database" in output
    assert "secret" not in output


def test_missing_catalog_file_gives_a_clear_error(shop_home, capsys):
    assert main(["catalog", "import", str(shop_home / "nope.csv")]) == 1
    assert "nope.csv" in capsys.readouterr().out


def test_generated_api_token_is_kept_and_private(shop_home, monkeypatch):
    from shopdesk.secrets import api_token

    monkeypatch.delenv("SHOPDESK_API_TOKEN", raising=False)
    token = api_token(get_settings())
    assert token == api_token(get_settings())
    assert oct((shop_home / "api-token").stat().st_mode & 0o777) == "0o600"
