"""Searching the product index: semantic and exact matches, filters, empty queries, speed."""

from __future__ import annotations

import pytest

from retrieval.product_index import ProductIndex, SearchFilters, SearchHit
from storage.catalog import ProductRecord


def ids(hits: list[SearchHit]) -> list[int]:
    return [hit.record.product_id for hit in hits]


@pytest.mark.parametrize(
    ("query", "expected_id"),
    [
        ("something to keep my coffee hot", 31),  # travel mug
        ("thermos", 31),
        ("headphones for long flights", 18),
        ("shoes for running on muddy trails", 3),
        ("gift for a kid who loves space", 46),
        ("warm coat for winter", 13),
        ("vegetarian recipes", 49),
    ],
)
def test_semantic_query_finds_the_right_product(
    product_index: ProductIndex, query: str, expected_id: int
) -> None:
    assert ids(product_index.search(query, k=5))[0] == expected_id


@pytest.mark.parametrize(
    ("brand", "expected"), [("Zenflow", {43}), ("copperline", {27, 28}), ("Sonique", {19, 20})]
)
def test_exact_brand_name_ranks_that_brands_products_first(
    product_index: ProductIndex, brand: str, expected: set[int]
) -> None:
    hits = product_index.search(brand, k=5)

    assert set(ids(hits)[: len(expected)]) == expected
    assert all(hit.lexical_score > 0 for hit in hits[: len(expected)])


@pytest.mark.parametrize(
    ("query", "expected_id"),
    [
        ("STW-RUN-1001-BLK-9", 1),
        ("do you have KST-JKT-1013 in stock?", 13),  # product code without variant suffix
        ("amp-chg-1025-wht", 25),  # lower case
        ("STW-RUN-1001-BLK-14", 1),  # size that does not exist: still the product
    ],
)
def test_sku_finds_its_product(product_index: ProductIndex, query: str, expected_id: int) -> None:
    hits = product_index.search(query, k=3)

    assert ids(hits)[0] == expected_id
    assert hits[0].lexical_score > 0
    assert hits[1].lexical_score == 0  # no other product shares the code


def test_hits_are_sorted_and_carry_scores(product_index: ProductIndex) -> None:
    hits = product_index.search("noise cancelling headphones", k=5)

    assert len(hits) == 5
    assert [hit.score for hit in hits] == sorted((hit.score for hit in hits), reverse=True)
    assert 0 < hits[0].dense_score <= 1


@pytest.mark.parametrize(
    ("category", "expected_path_part"),
    [
        ("running shoe", "Shoes > Running Shoes"),
        ("Running Shoes", "Shoes > Running Shoes"),
        ("RUNNING SHOES", "Shoes > Running Shoes"),
        ("kitchen", "Home & Kitchen"),
        ("t-shirt", "Apparel > T-Shirts"),
        ("hiking boot", "Shoes > Hiking Boots"),
        ("shoes", "Shoes"),
    ],
)
def test_category_filter_matches_path_parts_and_plurals(
    product_index: ProductIndex,
    catalog: list[ProductRecord],
    category: str,
    expected_path_part: str,
) -> None:
    expected = {r.product_id for r in catalog if expected_path_part in r.category}
    hits = product_index.search("something nice", SearchFilters(category=category), k=50)

    assert set(ids(hits)) == expected


def test_category_filter_does_not_match_inside_words(product_index: ProductIndex) -> None:
    assert product_index.search("", SearchFilters(category="hoes")) == []


@pytest.mark.parametrize(
    ("filters", "accepts"),
    [
        (SearchFilters(brand="voltra"), lambda r: r.brand == "Voltra"),
        (SearchFilters(brand="HEARTH & HOME"), lambda r: r.brand == "Hearth & Home"),
        (SearchFilters(color="Navy"), lambda r: "navy" in r.colors),
        (SearchFilters(size="US 9"), lambda r: "9" in r.sizes),
        (SearchFilters(size="xl"), lambda r: "XL" in r.sizes),
        (SearchFilters(price_min=50, price_max=100), lambda r: 50 <= r.price <= 100),
        (SearchFilters(price_max=20), lambda r: r.price <= 20),
        (SearchFilters(in_stock=True), lambda r: r.stock > 0),
        (
            SearchFilters(category="shoes", color="black", size="10", price_max=150, in_stock=True),
            lambda r: (
                "Shoes" in r.category
                and "black" in r.colors
                and "10" in r.sizes
                and r.price <= 150
                and r.stock > 0
            ),
        ),
    ],
)
@pytest.mark.parametrize("query", ["running shoes", "", "STW-RUN-1001"])
def test_filters_return_exactly_the_matching_products(
    product_index: ProductIndex,
    catalog: list[ProductRecord],
    filters: SearchFilters,
    accepts,
    query: str,
) -> None:
    expected = {r.product_id for r in catalog if accepts(r)}
    assert expected, "the test catalog must contain matching products"

    hits = product_index.search(query, filters, k=len(catalog))

    assert set(ids(hits)) == expected


def test_out_of_stock_product_is_found_without_in_stock_filter_only(
    product_index: ProductIndex,
) -> None:
    assert 2 in ids(product_index.search("Tempo Racer", k=3))
    assert 2 not in ids(product_index.search("Tempo Racer", SearchFilters(in_stock=True), k=3))


def test_filter_returns_k_results_even_when_the_query_is_about_something_else(
    product_index: ProductIndex,
) -> None:
    hits = product_index.search(
        "wireless noise cancelling headphones", SearchFilters(category="cookware"), k=2
    )

    assert sorted(ids(hits)) == [27, 28]


def test_filter_with_fewer_matches_than_k_returns_all_matches(product_index: ProductIndex) -> None:
    hits = product_index.search("coffee", SearchFilters(brand="BrewMaster"), k=10)

    assert sorted(ids(hits)) == [29, 30, 32]


def test_filter_without_matches_returns_nothing(product_index: ProductIndex) -> None:
    assert product_index.search("headphones", SearchFilters(brand="No Such Brand")) == []
    assert product_index.search("headphones", SearchFilters(price_min=1000)) == []


def test_empty_query_ranks_filtered_products_by_rating_then_stock(
    product_index: ProductIndex,
) -> None:
    hits = product_index.search("", SearchFilters(category="Home & Kitchen"), k=4)

    # Skillet 4.8; mug 4.6; saucepan and kettle both 4.5, saucepan has more stock.
    assert ids(hits) == [27, 31, 28, 32]
    assert hits[0].score == pytest.approx(4.8)


def test_empty_query_without_filters_returns_top_rated_products(
    product_index: ProductIndex,
) -> None:
    top = product_index.search("   ", k=3)

    assert all(hit.record.rating == 4.8 for hit in top)


def test_non_positive_k_returns_nothing(product_index: ProductIndex) -> None:
    assert product_index.search("mug", k=0) == []


def test_search_threads_are_set_process_wide_and_can_be_restored() -> None:
    import faiss
    from threadpoolctl import threadpool_info

    from retrieval.product_index import set_search_threads

    before = faiss.omp_get_max_threads()
    restore = set_search_threads(0)  # at least one
    try:
        assert faiss.omp_get_max_threads() == 1
        assert all(
            pool["num_threads"] == 1 for pool in threadpool_info() if pool["user_api"] == "blas"
        )
    finally:
        restore()
    assert faiss.omp_get_max_threads() == before
