import pytest

# The mirror checks live in helper modules: have pytest explain their failed asserts as it does in test modules.
pytest.register_assert_rewrite("tests.indexer.mirror", "tests.indexer.scenario")
