// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.28;

/// @title Procurement registry: the public record of procurement processes
/// @notice Events are the public history: each carries what a reader needs to rebuild state without calling
/// the contract. Documents never go on chain, only their SHA-256 fingerprints.
interface IProcurementRegistry {
    /// @notice A purchaser opened a procurement process.
    /// @param processId keccak256 of the OCDS ocid, the process's deterministic id.
    /// @param purchaser The account that opened it; it holds the purchaser role.
    /// @param docHash SHA-256 of the document behind the opening (the procurement plan or notice).
    /// @param ocid The Open Contracting id, kept in the event so readers need no other source.
    event ProcessCreated(bytes32 indexed processId, address indexed purchaser, bytes32 indexed docHash, string ocid);

    /// @notice A process with this id exists already; ids are derived from the ocid and never reused.
    error ProcessAlreadyExists(bytes32 processId);

    /// @notice The ocid is empty or longer than the limit.
    error ProcessInvalidOcid(uint256 length, uint256 maxLength);

    /// @notice A write named no document; every milestone must be backed by a document hash.
    error DocumentHashMissing();

    /// @notice Opens a process for `ocid`, backed by the document whose SHA-256 is `docHash`.
    /// @dev Only an account with the purchaser role may call it.
    /// @return processId keccak256(bytes(ocid)).
    function createProcess(string calldata ocid, bytes32 docHash) external returns (bytes32 processId);

    /// @notice Whether a process with this id has been created.
    function processExists(bytes32 processId) external view returns (bool);

    /// @notice The deterministic id of the process for `ocid`.
    function processIdOf(string calldata ocid) external pure returns (bytes32);

    /// @notice The version of this contract's interface and rules.
    function version() external pure returns (string memory);
}
