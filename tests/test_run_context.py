"""The page memo derives its key from the builder and its arguments, so a page cannot get a key wrong:
two builders never share a result, a builder that could read values missing from its key is refused, and
the same builder with the same arguments is built once per data version."""

from __future__ import annotations

import pytest

from dashboard import cached_views
from indicators.store.store import Store


def places_count(views: cached_views.Views, theme_id: str) -> int:
    return len(views.catalogue.indicators) + len(theme_id)


def theme_count(views: cached_views.Views, theme_id: str) -> int:
    return len(views.catalogue.themes)


@pytest.fixture
def views(tmp_path, catalogue) -> cached_views.Views:
    url = f"sqlite:///{tmp_path / 'memo.db'}"
    Store(url, catalogue).close()
    return cached_views.read_views(url)


def test_a_lambda_or_a_nested_function_is_refused_as_a_builder():
    chosen = "health"
    with pytest.raises(TypeError, match="module-level function"):
        cached_views.builder_key(lambda views: chosen, ())

    def nested(views: cached_views.Views) -> str:
        return chosen  # reads the page's variable, which the key does not hold

    with pytest.raises(TypeError, match="module-level function"):
        cached_views.builder_key(nested, ())


def test_arguments_that_cannot_be_a_key_are_refused_with_the_builders_name():
    with pytest.raises(TypeError, match=r"places_count.*hashable"):
        cached_views.builder_key(places_count, (["health"],))


def test_the_key_names_the_builder_so_two_builders_with_the_same_arguments_never_share_a_result(views):
    assert views.memo(places_count, "health") == len(views.catalogue.indicators) + 6
    assert views.memo(theme_count, "health") == len(views.catalogue.themes)
    assert cached_views.builder_key(places_count, ("health",)) != cached_views.builder_key(
        theme_count, ("health",)
    )


CALLS: list[str] = []


def counted(views: cached_views.Views, theme_id: str) -> list[str]:
    CALLS.append(theme_id)
    return [theme_id]


def test_the_same_builder_and_arguments_are_built_once_per_data_version(views):
    calls = CALLS
    calls.clear()
    first = views.memo(counted, "health")
    assert views.memo(counted, "health") is first
    views.memo(counted, "peace")
    assert calls == ["health", "peace"]
    # Language-free results are kept apart from the labelled ones.
    views.shared(counted, "health")
    assert calls == ["health", "peace", "health"]
