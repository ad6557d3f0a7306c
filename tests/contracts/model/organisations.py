"""The rules of organisations and budget lines: registration, accounts, ocid prefixes, suspension and
reinstatement by a finance bureau, and the approval of a budget line.
"""

from __future__ import annotations

from tests.contracts.conftest import FINANCE_ROLE, PURCHASER_ROLE, SUPPLIER_ROLE, ZERO_ADDRESS, ZERO_HASH, scoped_id
from tests.contracts.model.base import ModelBase
from tests.contracts.model.records import MAX_OCID_PREFIX_LENGTH, ORGANISATION_ROLES, Budget, Organisation, Revert


class OrganisationRules(ModelBase):
    """Organisations and budget lines: registration, accounts, ocid prefixes, suspension, approveBudget."""

    # ─── Organisations ───────────────────────────────────────────────────────────────────────────────────

    def registerOrganisation(self, sender: str, org_id: bytes, role: bytes) -> None:
        self._require_admin(sender)
        if org_id == ZERO_HASH or role not in ORGANISATION_ROLES:
            raise Revert("OrganisationInvalid")
        if self.role_of(org_id) != ZERO_HASH:
            raise Revert("OrganisationAlreadyRegistered")
        self.organisations[org_id] = Organisation(role)

    def addOrganisationAccount(self, sender: str, org_id: bytes, account: str) -> None:
        self._require_admin(sender)
        if self.role_of(org_id) == ZERO_HASH:
            raise Revert("OrganisationUnknown")
        if account == ZERO_ADDRESS:
            raise Revert("OrganisationAccountInvalid")
        if account == self.admin:  # no admin transfer is ever pending here
            raise Revert("AdminAccountBound")
        if self.org_of(account) != ZERO_HASH:
            raise Revert("OrganisationAccountAlreadyBound")
        self.organisation_of[account] = org_id

    def removeOrganisationAccount(self, sender: str, org_id: bytes, account: str) -> None:
        self._require_admin(sender)
        if org_id == ZERO_HASH or self.org_of(account) != org_id:
            raise Revert("OrganisationAccountNotBound")
        del self.organisation_of[account]

    def registerOcidPrefix(self, sender: str, org_id: bytes, prefix: str) -> None:
        self._require_admin(sender)
        if self.role_of(org_id) != PURCHASER_ROLE:
            raise Revert("OrganisationInvalid")
        text = prefix.encode()
        if not 0 < len(text) <= MAX_OCID_PREFIX_LENGTH or text.endswith(b"-"):
            raise Revert("OcidPrefixInvalid")
        if text in self.ocid_prefix_owner or text in self.ocid_prefix_reserved:
            raise Revert("OcidPrefixUnavailable")
        starts = [text[:i] for i in range(1, len(text)) if text[i : i + 1] == b"-"]
        if any(start in self.ocid_prefix_owner for start in starts):
            raise Revert("OcidPrefixUnavailable")
        self.ocid_prefix_reserved.update(starts)
        self.ocid_prefix_owner[text] = org_id

    def suspendOrganisation(self, sender: str, org_id: bytes, doc_hash: bytes) -> None:
        bureau = self._caller_organisation(sender, FINANCE_ROLE)
        self._require_document(doc_hash)
        if self.role_of(org_id) not in (SUPPLIER_ROLE, PURCHASER_ROLE):
            raise Revert("OrganisationNotSuspendable")
        if self.suspended_by(org_id) != ZERO_HASH:
            raise Revert("OrganisationUnderSuspension")
        self.organisations[org_id].suspended_by = bureau

    def reinstateOrganisation(self, sender: str, org_id: bytes, doc_hash: bytes) -> None:
        bureau = self._caller_organisation(sender, FINANCE_ROLE)
        self._require_document(doc_hash)
        suspended_by = self.suspended_by(org_id)
        if suspended_by == ZERO_HASH:
            raise Revert("OrganisationNotSuspended")
        if suspended_by != bureau:
            raise Revert("OrganisationReinstatementOutOfScope")
        self.organisations[org_id].suspended_by = ZERO_HASH

    # ─── Budgets ─────────────────────────────────────────────────────────────────────────────────────────

    def approveBudget(
        self,
        sender: str,
        budget_ref: bytes,
        fiscal_year: int,
        amount: int,
        currency: bytes,
        doc_hash: bytes,
        purchaser_orgs: list[bytes],
    ) -> None:
        bureau = self._caller_organisation(sender, FINANCE_ROLE)
        budget_id = scoped_id(bureau, budget_ref)
        if budget_id in self.budgets:
            raise Revert("BudgetAlreadyRecorded")
        self._require_document(doc_hash)
        if fiscal_year == 0 or amount == 0 or currency == bytes(3):
            raise Revert("BudgetInvalid")
        if not purchaser_orgs or any(self.role_of(org) != PURCHASER_ROLE for org in purchaser_orgs):
            raise Revert("BudgetPurchaserInvalid")
        self.budgets[budget_id] = Budget(amount, fiscal_year, currency, bureau, frozenset(purchaser_orgs))
        self._record("BudgetApproved", budget_id)
