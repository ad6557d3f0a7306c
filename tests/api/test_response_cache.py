"""The response cache on its own: bounded in bytes (bodies, keys and each entry's overhead), least recently used
out first, keyed by request and mirror version."""

from __future__ import annotations

from collections.abc import Callable

from api.response_cache import ENTRY_OVERHEAD_BYTES, MAX_KEPT_QUERY_BYTES, RequestKey, ResponseCache

A, B, C = ("/a", b""), ("/b", b""), ("/c", b"")


def _render(body: bytes, calls: list[bytes]) -> Callable[[], bytes]:
    def render() -> bytes:
        calls.append(body)
        return body

    return render


def _size(key: RequestKey, body: bytes) -> int:
    return len(body) + len(key[0]) + len(key[1]) + ENTRY_OVERHEAD_BYTES


def test_a_key_is_served_again_only_at_the_version_it_was_rendered_at() -> None:
    cache, calls = ResponseCache(max_bytes=10_000), []
    assert cache.answer(A, lambda: 1, _render(b"one", calls)).body == b"one"
    assert cache.answer(A, lambda: 1, _render(b"other", calls)).body == b"one"
    assert cache.answer(A, lambda: 2, _render(b"two", calls)).body == b"two"
    assert calls == [b"one", b"two"] and (cache.counts.hits, cache.counts.misses) == (1, 2)


def test_the_version_is_read_only_for_a_key_that_is_kept() -> None:
    cache, reads = ResponseCache(max_bytes=10_000), []

    def version() -> int:
        reads.append(1)
        return 1

    assert cache.kept(A, version) is None and reads == []
    cache.answer(A, lambda: 1, _render(b"one", []))
    kept = cache.kept(A, version)
    assert kept is not None and kept.body == b"one" and len(reads) == 1 and cache.counts.hits == 1


def test_the_least_recently_used_entry_is_dropped_to_stay_within_the_bytes() -> None:
    cache, calls = ResponseCache(max_bytes=_size(A, b"12345") * 2), []
    for key in (A, B):
        cache.answer(key, lambda: 0, _render(b"12345", calls))
    cache.answer(A, lambda: 0, _render(b"unused", calls))  # a is now the most recently used
    cache.answer(C, lambda: 0, _render(b"123", calls))
    assert cache.kept_bytes == _size(A, b"12345") + _size(C, b"123") and cache.counts.evictions == 1
    cache.answer(B, lambda: 0, _render(b"b again", calls))
    assert calls[-1] == b"b again"  # b was the one dropped
    assert cache.kept_bytes <= cache.max_bytes


def test_a_long_query_string_counts_against_the_bytes_and_padding_past_the_limit_is_never_kept() -> None:
    cache, calls = ResponseCache(max_bytes=100_000), []
    padded = ("/a", b"limit=1" + b"&" * 400)
    cache.answer(padded, lambda: 0, _render(b"page", calls))
    assert cache.kept_bytes == _size(padded, b"page") > 400
    too_long = ("/a", b"limit=1" + b"&" * MAX_KEPT_QUERY_BYTES)
    cache.answer(too_long, lambda: 0, _render(b"page", calls))
    cache.answer(too_long, lambda: 0, _render(b"page", calls))
    assert len(calls) == 3 and cache.kept_bytes == _size(padded, b"page")


def test_a_body_larger_than_the_whole_cache_is_served_and_not_kept() -> None:
    cache, calls = ResponseCache(max_bytes=ENTRY_OVERHEAD_BYTES + 4), []
    assert cache.answer(A, lambda: 0, _render(b"too large", calls)).body == b"too large"
    cache.answer(A, lambda: 0, _render(b"too large", calls))
    assert len(calls) == 2 and cache.kept_bytes == 0


def test_a_rendering_during_which_the_mirror_moved_is_served_but_not_kept() -> None:
    versions = iter([1, 2, 2, 2])  # read before and after the first rendering, then before and after the second
    cache, calls = ResponseCache(max_bytes=10_000), []
    assert cache.answer(A, lambda: next(versions), _render(b"mixed", calls)).body == b"mixed"
    assert cache.answer(A, lambda: next(versions), _render(b"at two", calls)).body == b"at two"
    assert calls == [b"mixed", b"at two"] and cache.kept_bytes == _size(A, b"at two")
