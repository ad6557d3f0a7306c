"""The role check: the organisation must hold the role on chain, as the mirror shows it, and not be suspended."""

from __future__ import annotations

import pytest

from ledger.errors import RoleRequiredError
from ledger.gateway.access import Caller, require_role

ORG = "0x" + "ab" * 32


def test_an_organisation_holding_the_role_passes() -> None:
    require_role(Caller(1, ORG, "finance", suspended=False), "finance", "POST /payments")


def test_a_suspended_organisation_is_refused_even_with_the_role() -> None:
    with pytest.raises(RoleRequiredError, match=f"needs the finance role in good standing; organisation {ORG} is sus"):
        require_role(Caller(1, ORG, "finance", suspended=True), "finance", "POST /payments")


def test_an_organisation_the_mirror_does_not_know_is_refused_saying_so() -> None:
    with pytest.raises(RoleRequiredError, match="is not registered on chain"):
        require_role(Caller(1, ORG, None, suspended=False), "finance", "POST /payments")
