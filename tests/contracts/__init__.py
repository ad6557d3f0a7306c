import pytest

# The state machine's rules and invariants live in a helper package: have pytest explain their failed asserts as it
# does in test modules.
pytest.register_assert_rewrite("tests.contracts.stateful")
