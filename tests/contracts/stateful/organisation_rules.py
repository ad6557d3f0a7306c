"""The machine's rules on organisations: accounts added, removed and moved between organisations, suspension and
reinstatement by a finance bureau, and the document anchors an organisation records.
"""

from __future__ import annotations

from eth_utils import keccak
from hypothesis import strategies as st
from hypothesis.stateful import rule

from tests.contracts.conftest import FINANCE_ORG, OTHER_FINANCE_ORG, SUPPLIER_A_ORG, ZERO_HASH, Stage
from tests.contracts.stateful.base import MachineBase
from tests.contracts.stateful.domains import ORG_IDS, ROOTS, actor, doc_ok, hash_or_zero, nonzero, process_ref


class OrganisationRules(MachineBase):
    """Organisation membership, suspension, and document anchors."""

    # ─── Organisations ───────────────────────────────────────────────────────────────────────────────────

    @rule(
        who=actor("admin"),
        org_name=st.sampled_from(["A", "C", "B", "purchaser", "unknown"]),
        account=st.sampled_from(["supplier_a", "supplier_a2", "supplier_c", "outsider", "outsider", "admin", "nobody"]),
    )
    def add_organisation_account(self, who: str, org_name: str, account: str) -> None:
        self.send("addOrganisationAccount", who, ORG_IDS[org_name], self.address[account])

    @rule(
        who=actor("admin"),
        org_name=st.sampled_from(["A", "C", "B", "zero"]),
        account=st.sampled_from(["supplier_a", "supplier_a2", "supplier_c", "outsider"]),
    )
    def remove_organisation_account(self, who: str, org_name: str, account: str) -> None:
        self.send("removeOrganisationAccount", who, ORG_IDS[org_name], self.address[account])

    @rule(account=st.sampled_from(["supplier_a", "supplier_a2"]), to=st.sampled_from(["C", "C", "A", "B"]))
    def move_account(self, account: str, to: str) -> None:
        """The admin moves an account to another organisation: it leaves its own (if any), then joins `to`."""
        current = self.model.org_of(self.address[account])
        self.send("removeOrganisationAccount", "admin", nonzero(current, SUPPLIER_A_ORG), self.address[account])
        self.send("addOrganisationAccount", "admin", ORG_IDS[to], self.address[account])

    @rule(
        who=actor("finance", "other_finance"),
        org_name=st.sampled_from(["A", "B", "C", "purchaser", "other purchaser", "finance", "auditor", "unknown"]),
        decision=doc_ok,
    )
    def suspend_organisation(self, who: str, org_name: str, decision: bool) -> None:
        self.send("suspendOrganisation", who, ORG_IDS[org_name], hash_or_zero(decision, "suspension"))

    @rule(
        who=st.sampled_from(["@suspender", "@suspender", "@other_bureau", "finance", "other_finance", "purchaser"]),
        org_name=st.sampled_from(["suspended", "suspended", "A", "B", "C", "purchaser", "other purchaser", "finance"]),
        decision=doc_ok,
    )
    def reinstate_organisation(self, who: str, org_name: str, decision: bool) -> None:
        """Reinstate a suspended organisation ("suspended": the first one), or any, by the bureau that suspended it
        ("@suspender"), by the other one ("@other_bureau"), or by anyone."""
        if org_name == "suspended":
            org_name = next(
                (name for name, org_id in ORG_IDS.items() if self.model.suspended_by(org_id) != ZERO_HASH), "A"
            )
        org_id = ORG_IDS[org_name]
        suspender = nonzero(self.model.suspended_by(org_id), FINANCE_ORG)
        if who == "@suspender":
            who = self.signer(suspender, "finance")
        elif who == "@other_bureau":
            who = self.signer(OTHER_FINANCE_ORG if suspender == FINANCE_ORG else FINANCE_ORG, "other_finance")
        self.send("reinstateOrganisation", who, org_id, hash_or_zero(decision, "reinstatement"))

    # ─── Document anchors ────────────────────────────────────────────────────────────────────────────────

    @rule(
        who=actor("@purchaser", "@finance", "publisher"),
        ocid=process_ref,
        root=st.sampled_from(["r1", "r1", "r2", "zero"]),
        count=st.sampled_from([3, 3, 1, 0]),
        filed=st.sampled_from(["none", "process", "process"]),
    )
    def anchor_documents(self, who: str, ocid: str, root: str, count: int, filed: str) -> None:
        ocid = self.resolve(ocid, *range(Stage.PLANNING, Stage.TERMINATED + 1))
        process_id = keccak(text=ocid) if filed == "process" else ZERO_HASH
        self.send("anchorDocuments", self.who(who, ocid), ROOTS[root], count, process_id)
