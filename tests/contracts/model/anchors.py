"""The rule of document anchors: a registered account's organisation anchors a Merkle root once, filed under no
process or under one it is the purchaser or finance bureau of.
"""

from __future__ import annotations

from tests.contracts.conftest import ZERO_HASH
from tests.contracts.model.base import ModelBase
from tests.contracts.model.records import Revert


class AnchorRules(ModelBase):
    """Document anchors: anchorDocuments."""

    def anchorDocuments(self, sender: str, root: bytes, count: int, process_id: bytes) -> None:
        org = self.org_of(sender)
        if org == ZERO_HASH:
            raise Revert("AccountNotRegistered")
        if (org, root) in self.anchors:
            raise Revert("AnchorAlreadyRecorded")
        if root == ZERO_HASH or count == 0:
            raise Revert("AnchorInvalid")
        if process_id != ZERO_HASH:
            process = self._existing(process_id)
            if org not in (process.purchaser_org, process.finance_org):
                raise Revert("AnchorNotProcessParty")
        self.anchors[(org, root)] = count
        self._record("DocumentsAnchored", org, root)
