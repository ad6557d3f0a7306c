"""One error hierarchy for the ledger. Each error says whether retrying can help; the API maps them to HTTP."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from eth_utils.crypto import keccak


class LedgerError(Exception):
    """Root of every error the ledger raises on purpose."""

    retryable: bool = False


class ConfigurationError(LedgerError, ValueError):
    """The settings or the files they point at are missing or inconsistent; the message says what to fix."""


class ToolchainError(LedgerError, RuntimeError):
    """A compiler or the local chain binary is missing or failed."""


class ChainError(LedgerError):
    """Talking to the chain failed."""


class ChainUnavailableError(ChainError, ConnectionError):
    """The RPC endpoint did not answer, or answered that it cannot serve now (overloaded); it may come back."""

    retryable = True


class RateLimitedError(ChainUnavailableError):
    """The node asked us to slow down (HTTP 429, JSON-RPC -32005 "limit exceeded"); waiting lets the call pass."""


class RpcRequestError(ChainError, ValueError):
    """The node refused the request itself (an unknown method, bad parameters, no access): asking again will not
    help, the endpoint or the code must change."""


class MalformedRpcResponse(ChainError, ValueError):
    """The node answered with something that is not what JSON-RPC promises."""


class LogRangeError(ChainError):
    """The node refused an eth_getLogs range (too many results, too wide, too slow); a smaller one may pass."""


class TransactionTimeoutError(ChainError, TimeoutError):
    """A sent transaction was not mined in time; it may still be, so look it up before sending again."""

    retryable = True


class ContractRevertError(ChainError, ValueError):
    """A contract refused a call; `error_name` and `error_args` are the decoded custom error."""

    def __init__(self, error_name: str, error_args: Mapping[str, Any], function: str = "") -> None:
        self.error_name = error_name
        self.error_args = dict(error_args)
        self.function = function
        args_text = ", ".join(f"{key}={_show(value)}" for key, value in self.error_args.items())
        where = f"{function} reverted" if function else "reverted"
        super().__init__(f"{where}: {error_name}({args_text})")


class NotDeployedError(ConfigurationError):
    """The contracts are not deployed on the configured chain."""


class DatabaseUnavailableError(LedgerError, ConnectionError):
    """The database did not answer (not running, wrong URL, no such file); it may come back."""

    retryable = True


class IndexerError(LedgerError):
    """The indexer could not go on."""


class UndecodableLogError(IndexerError, ValueError):
    """A log carries one of our event topics but not that event's layout."""


class ReorgTooDeepError(IndexerError, RuntimeError):
    """The chain replaced more blocks than the configured depth allows; a person must look before going on."""


class WorkerError(IndexerError):
    """What the fetch worker raised, when that error itself could not cross to the parent."""


class WorkerGoneError(IndexerError, ConnectionError):
    """The fetch child stopped answering; the parent fetches in process instead."""

    retryable = True


class NotFoundError(LedgerError, LookupError):
    """A requested record does not exist in the mirror."""


class InvalidRequestError(LedgerError, ValueError):
    """A request the user can fix: a filter, range or value the ledger cannot answer as asked."""


class InvalidCursorError(InvalidRequestError):
    """A page cursor that this API did not give out, or that belongs to another listing."""


class VerificationError(LedgerError, ValueError):
    """A check against the chain failed: expected one thing, found another."""


class BundleFormatError(VerificationError):
    """A file is not a proof bundle of a version this ledger reads: its JSON or its schema is wrong."""


class BlockHeaderError(VerificationError):
    """A block header in a bundle does not hash to the block hash it claims."""


class ReceiptProofError(VerificationError):
    """A receipt's Merkle-Patricia proof does not lead from its block's receiptsRoot to that receipt."""


class LogNotInReceiptError(VerificationError):
    """An event of a bundle is not the log its proven receipt holds at that position."""


class BundleScopeError(VerificationError):
    """A bundle's events are not those of the process, contract and chain it names, or not in chain order."""


class DocumentProofError(VerificationError):
    """A document's inclusion proof does not lead to the root its proven anchoring event recorded."""


class NotCanonicalError(VerificationError):
    """A block of a bundle is not on the canonical chain of the node it was checked against."""


class InvariantViolationError(VerificationError):
    """A replayed state breaks a rule the contracts promise; the message names the rule, what was expected, what
    was found, and the event that shows it."""

    rule = "invariant"

    def __init__(self, expected: str, got: str, evidence: str = "") -> None:
        self.expected, self.got, self.evidence = expected, got, evidence
        where = f" (evidence: {evidence})" if evidence else ""
        super().__init__(f"{self.rule}: expected {expected}, got {got}{where}")


class StageOrderError(InvariantViolationError):
    """A process's stage moved backwards or skipped to a stage it cannot reach from where it was."""

    rule = "stages move forward only"


class PaymentBoundError(InvariantViolationError):
    """More was paid than accepted, or accepted than the contract is worth."""

    rule = "paid <= accepted <= value"


class AmendmentCapError(InvariantViolationError):
    """Supplementary amendments raised a contract's value by more than 10% of its original value in total."""

    rule = "amendments total at most 10% of the original value"


class BidRevealError(InvariantViolationError):
    """A revealed bid does not open its commitment (the commitment recomputed from the reveal differs)."""

    rule = "bids are revealed as committed"


class AwardError(InvariantViolationError):
    """An award that does not go to a revealed bid, at that bid's amount."""

    rule = "an award goes to a revealed bid"


class DocumentVerificationError(VerificationError):
    """A document file does not match the chain: its SHA-256, its place in an anchored batch, or the batch's root."""


class DocumentHashMismatchError(VerificationError):
    """Bytes offered to the document store do not have the SHA-256 they were announced with; nothing was stored."""

    def __init__(self, expected: str, actual: str) -> None:
        self.expected, self.actual = expected, actual
        super().__init__(
            f"expected a document with SHA-256 {expected}, got one with {actual}; nothing was stored. "
            "Check the file is the one the hash names, and send it again"
        )


class DocumentWithdrawnError(LedgerError, LookupError):
    """A document's bytes were withdrawn from the store (e.g. to honour a deletion right); its hash stays on chain."""

    def __init__(self, sha256: str, withdrawn_at: datetime, reason: str) -> None:
        self.sha256, self.withdrawn_at, self.reason = sha256, withdrawn_at, reason
        super().__init__(
            f"document {sha256} was withdrawn on {withdrawn_at.isoformat(timespec='seconds')}: {reason}. "
            "Its metadata, anchor and inclusion proof stay available"
        )


class UploadTooLargeError(LedgerError, ValueError):
    """An upload is larger than the configured limit."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        super().__init__(
            f"the upload is larger than the limit of {limit:,} bytes (PROCLEDGER_MAX_UPLOAD_BYTES); "
            "send the document's SHA-256 instead of its bytes"
        )


class KeystoreError(LedgerError, ValueError):
    """A keystore is missing, unreadable, or does not open with the configured passphrase; the message says which."""


class AuthenticationError(LedgerError, PermissionError):
    """A request carries no API token, or one this gateway did not issue or has revoked."""


class RoleRequiredError(LedgerError, PermissionError):
    """The caller's organisation may not do this: it lacks the role the action needs, or is suspended."""


class NotDocumentOwnerError(RoleRequiredError):
    """Only the organisation that added a document may withdraw it."""


class TooManyRequestsError(LedgerError):
    """A token sent more requests than its rate allows; `retry_after` says how many seconds until the next fits."""

    retryable = True

    def __init__(self, message: str, retry_after: int) -> None:
        self.retry_after = retry_after
        super().__init__(message)


class GatewayUnavailableError(LedgerError, ConnectionError):
    """A remote write gateway cannot be reached, or answers what its API does not document."""

    retryable = True


class WriteNotSettledError(LedgerError, TimeoutError):
    """A write accepted by a remote gateway was not confirmed or failed within the wait; it is still on its way."""

    retryable = True


class IdempotencyConflictError(LedgerError, ValueError):
    """An Idempotency-Key was used before with another request body; a new write needs a new key."""


class DuplicateWriteError(LedgerError, ValueError):
    """A write under a new Idempotency-Key that takes what a write still on its way takes (the same signed
    transaction's nonce, or the same relayed bid's nonce): only one of them could land."""


class SignedTransactionError(InvalidRequestError):
    """A supplier's signed transaction the gateway will not relay: not decodable, not a call of the endpoint's
    function on this ledger and chain, or not one that can be mined as signed (nonce, gas, fee, balance)."""


class BidReceiptError(LedgerError, ValueError):
    """A bid receipt file is unreadable, not a receipt, or inconsistent with itself (its commitment does not
    recompute from its fields)."""


# The ledger's roles by their on-chain id (keccak256 of the name), so a refusal names the role it wanted.
_ROLE_NAMES = {"0x" + keccak(text=name).hex(): name for name in
               ("FINANCE_ROLE", "PURCHASER_ROLE", "SUPPLIER_ROLE", "AUDITOR_ROLE", "PUBLISHER_ROLE")}  # fmt: skip


def _show(value: Any) -> str:
    text = "0x" + value.hex() if isinstance(value, bytes) else str(value)
    role = _ROLE_NAMES.get(text.lower())
    return f"{role} ({text})" if role else text


class OcdsError(LedgerError, ValueError):
    """OCDS data that cannot be used as given: not JSON, not a package, or invalid against the schema."""
