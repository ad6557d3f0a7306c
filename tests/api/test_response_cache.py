"""The response cache on its own: bounded in bytes, least recently used out first, keyed by mirror version."""

from __future__ import annotations

from collections.abc import Callable

from api.response_cache import ResponseCache


def _render(body: bytes, calls: list[bytes]) -> Callable[[], bytes]:
    def render() -> bytes:
        calls.append(body)
        return body

    return render


def test_a_key_is_served_again_only_at_the_version_it_was_rendered_at() -> None:
    cache, calls = ResponseCache(max_bytes=1_000), []
    assert cache.answer("a", lambda: 1, _render(b"one", calls)).body == b"one"
    assert cache.answer("a", lambda: 1, _render(b"other", calls)).body == b"one"
    assert cache.answer("a", lambda: 2, _render(b"two", calls)).body == b"two"
    assert calls == [b"one", b"two"] and (cache.counts.hits, cache.counts.misses) == (1, 2)


def test_the_least_recently_used_body_is_dropped_to_stay_within_the_bytes() -> None:
    cache, calls = ResponseCache(max_bytes=10), []
    for key in ("a", "b"):
        cache.answer(key, lambda: 0, _render(b"12345", calls))
    cache.answer("a", lambda: 0, _render(b"unused", calls))  # a is now the most recently used
    cache.answer("c", lambda: 0, _render(b"123", calls))
    assert cache.kept_bytes == 8 and cache.counts.evictions == 1
    cache.answer("b", lambda: 0, _render(b"b again", calls))
    assert calls[-1] == b"b again"  # b was the one dropped
    assert cache.kept_bytes <= 10


def test_a_body_larger_than_the_whole_cache_is_served_and_not_kept() -> None:
    cache, calls = ResponseCache(max_bytes=4), []
    assert cache.answer("a", lambda: 0, _render(b"too large", calls)).body == b"too large"
    cache.answer("a", lambda: 0, _render(b"too large", calls))
    assert len(calls) == 2 and cache.kept_bytes == 0


def test_a_rendering_during_which_the_mirror_moved_is_served_but_not_kept() -> None:
    versions = iter([1, 2, 2, 2])  # read before and after the first rendering, then before and after the second
    cache, calls = ResponseCache(max_bytes=1_000), []
    assert cache.answer("a", lambda: next(versions), _render(b"mixed", calls)).body == b"mixed"
    assert cache.answer("a", lambda: next(versions), _render(b"at two", calls)).body == b"at two"
    assert calls == [b"mixed", b"at two"] and cache.kept_bytes == len(b"at two")
