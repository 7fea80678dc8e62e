"""E-signatures: signature requests, the signers' public page, the signed copy and its
certificate. ``services`` holds the rules; ``certificate`` builds the signed PDF; ``images``
checks drawn signatures."""

from minimin.documents.signing.services import (
    LINK_DAYS,
    DeclineInput,
    SignatureInput,
    SignatureRequestInput,
    SignerInput,
    SigningError,
    decline,
    owner_sign,
    owner_signer,
    record_view,
    remind,
    requests_of,
    send_code,
    send_for_signature,
    sign,
    signer_for_token,
    void,
)

__all__ = [
    "LINK_DAYS",
    "DeclineInput",
    "SignatureInput",
    "SignatureRequestInput",
    "SignerInput",
    "SigningError",
    "decline",
    "owner_sign",
    "owner_signer",
    "record_view",
    "remind",
    "requests_of",
    "send_code",
    "send_for_signature",
    "sign",
    "signer_for_token",
    "void",
]
