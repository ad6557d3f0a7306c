"""A purchaser's writes: its processes from opening to completion, on the processes it owns."""

from __future__ import annotations

from fastapi import APIRouter

from api.schemas_purchaser_writes import (
    AcceptanceIn,
    AwardIn,
    ContractAmendmentIn,
    ContractIn,
    ProcessDecisionIn,
    ProcessIn,
    TenderAmendmentIn,
    TenderIn,
)
from api.write_routes import add_write_route
from ledger.gateway.contract_actions import ACCEPTANCE, COMPLETION, CONTRACT, CONTRACT_AMENDMENT, TERMINATION
from ledger.gateway.process_actions import AWARD, CANCELLATION, EVALUATION, PROCESS, TENDER, TENDER_AMENDMENT

router = APIRouter(tags=["writes: purchaser"])

add_write_route(router, "/processes", PROCESS, ProcessIn, "Open a procurement process")
add_write_route(router, "/tenders", TENDER, TenderIn, "Publish an open tender")
add_write_route(router, "/tender-amendments", TENDER_AMENDMENT, TenderAmendmentIn, "Amend a tender")
add_write_route(router, "/evaluations", EVALUATION, ProcessDecisionIn, "Record the evaluation report")
add_write_route(router, "/awards", AWARD, AwardIn, "Award a process")
add_write_route(router, "/cancellations", CANCELLATION, ProcessDecisionIn, "Cancel a process before signing")
add_write_route(router, "/contracts", CONTRACT, ContractIn, "Sign the contract with the awarded supplier")
add_write_route(router, "/contract-amendments", CONTRACT_AMENDMENT, ContractAmendmentIn, "Amend a contract")
add_write_route(router, "/acceptances", ACCEPTANCE, AcceptanceIn, "Accept a delivered milestone")
add_write_route(router, "/terminations", TERMINATION, ProcessDecisionIn, "Terminate a contract")
add_write_route(router, "/completions", COMPLETION, ProcessDecisionIn, "Complete a process")
