"""What each event means to a reader: a label in English and Chinese, who acted, and the role of each field.

Events carry hashes and organisation ids; these tables say which field is a document, an amount or a party, so
the timeline can put a name, a title and a currency beside each without a special case per event.
"""

from __future__ import annotations

from typing import Final

from ledger.fold.rules.tendering import COMPLAINT_STATUSES, METHODS

# Label of each event, in English and Chinese (the terms of the procurement law: 质疑/投诉, 履约验收, ...).
LABELS: Final[dict[str, tuple[str, str]]] = {
    "ProcessCreated": ("Process opened", "采购项目立项"),
    "TenderOpened": ("Tender published", "发布采购公告"),
    "TenderAmended": ("Tender amended", "采购文件更正"),
    "BidCommitted": ("Sealed bid submitted", "提交密封投标"),
    "BidSignaturesCancelled": ("Pending bid signatures cancelled", "撤销未提交的投标签名"),
    "BidRevealed": ("Bid opened", "开标"),
    "EvaluationRecorded": ("Evaluation report recorded", "评审报告"),
    "ProcessAwarded": ("Awarded", "中标/成交结果"),
    "ProcessCancelled": ("Process cancelled", "采购终止"),
    "ProcessCompleted": ("Process completed", "采购项目完成"),
    "ContractSigned": ("Contract signed", "签订采购合同"),
    "ContractAmended": ("Contract amended", "补充合同"),
    "ContractTerminated": ("Contract terminated", "解除合同"),
    "MilestoneDelivered": ("Milestone delivered", "履约交付"),
    "MilestoneAccepted": ("Milestone accepted", "履约验收"),
    "PaymentRecorded": ("Payment made", "支付合同款项"),
    "ComplaintFiled": ("Complaint filed", "提出质疑/投诉"),
    "ComplaintResolved": ("Complaint resolved", "质疑/投诉处理决定"),
    "AuditNoteRecorded": ("Audit note recorded", "审计意见"),
    "DocumentsAnchored": ("Documents anchored", "文件哈希存证"),
}
REPLACED_BID_LABEL: Final = ("Sealed bid replaced", "更换密封投标")

# Who acted: an event field naming the organisation, or the process's purchaser / the budget's finance bureau.
PURCHASER: Final = "@purchaser"
FINANCE: Final = "@finance"
ACTORS: Final[dict[str, str]] = {
    "ProcessCreated": "purchaserOrg",
    "TenderOpened": PURCHASER,
    "TenderAmended": PURCHASER,
    "BidCommitted": "bidderOrg",
    "BidSignaturesCancelled": "bidderOrg",
    "BidRevealed": "bidderOrg",
    "EvaluationRecorded": PURCHASER,
    "ProcessAwarded": PURCHASER,
    "ProcessCancelled": PURCHASER,
    "ProcessCompleted": PURCHASER,
    "ContractSigned": PURCHASER,
    "ContractAmended": PURCHASER,
    "ContractTerminated": PURCHASER,
    "MilestoneDelivered": "supplierOrg",
    "MilestoneAccepted": "purchaserOrg",
    "PaymentRecorded": "payerOrg",
    "ComplaintFiled": "complainantOrg",
    "ComplaintResolved": FINANCE,
    "AuditNoteRecorded": "auditorOrg",
    "DocumentsAnchored": "anchorerOrg",
}

# Fields that name an organisation, and the part it plays.
PARTY_FIELDS: Final[dict[str, str]] = {
    "purchaserOrg": "purchaser",
    "bidderOrg": "bidder",
    "supplierOrg": "supplier",
    "payerOrg": "payer",
    "payeeOrg": "payee",
    "complainantOrg": "complainant",
    "auditorOrg": "auditor",
    "anchorerOrg": "anchorer",
}

# Fields that hold the SHA-256 of a document, and what the document is.
DOCUMENT_FIELDS: Final[dict[str, str]] = {
    "docHash": "document",
    "rationaleHash": "rationale",
    "bidDocHash": "bid",
    "reportHash": "evaluation_report",
    "voucherHash": "payment_voucher",
    "findingsHash": "audit_findings",
}

# Fields that hold an amount in the process's currency (minor units).
AMOUNT_FIELDS: Final = ("amount", "value", "increase", "newValue", "milestonePaid", "acceptedTotal", "released")

# Fields that hold a contract enum, by the names the mirror uses for them.
STAGES: Final = (
    "none", "planning", "tender", "evaluation", "awarded", "contracted", "implementation", "completed", "cancelled",
    "terminated",
)  # fmt: skip
ENUM_FIELDS: Final[dict[str, tuple[str, ...]]] = {
    "method": METHODS,
    "fromStage": STAGES,
    "outcome": COMPLAINT_STATUSES,
}

# Fields that hold a unix time.
TIME_FIELDS: Final = ("bidDeadline", "revealDeadline")

# For an event about a milestone, complaint or the process, the earlier event its duration is counted from:
# (event, the field both share, or "" for the process) → the earlier event and the name of the duration.
SINCE: Final[dict[str, tuple[str, str, str]]] = {
    "MilestoneAccepted": ("MilestoneDelivered", "milestoneId", "days_since_delivery"),
    "PaymentRecorded": ("MilestoneAccepted", "milestoneId", "days_since_acceptance"),
    "ComplaintResolved": ("ComplaintFiled", "complaintId", "days_since_filing"),
    "ProcessAwarded": ("ProcessCreated", "", "days_since_opening"),
    "ContractSigned": ("ProcessAwarded", "", "days_since_award"),
}
