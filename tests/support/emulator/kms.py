"""KMS's HMAC calls as AWS checks them (GenerateMac, VerifyMac).

moto computes the HMAC with whatever MacAlgorithm is asked, of any key that
exists. AWS:

- MacAlgorithm is required, and "must be compatible with the HMAC KMS key
  that you specify" (GenerateMacRequest.MacAlgorithm; VerifyMac: "This
  algorithm must be supported by the HMAC KMS key"): HMAC_224 takes
  HMAC_SHA_224, HMAC_256 HMAC_SHA_256, and so on. Otherwise, or for a key
  whose KeyUsage is not GENERATE_VERIFY_MAC: InvalidKeyUsageException.
- "The KMS key that you use for this operation must be in a compatible key
  state" (API_GenerateMac): a disabled key is DisabledException ("The
  request was rejected because the specified KMS key is not enabled"), one
  pending deletion KMSInvalidStateException.
"""

from __future__ import annotations

import json
from typing import Any

from moto.core.exceptions import JsonRESTError
from moto.kms.responses import KmsResponse

_ALGORITHM_OF_SPEC = {
    "HMAC_224": "HMAC_SHA_224",
    "HMAC_256": "HMAC_SHA_256",
    "HMAC_384": "HMAC_SHA_384",
    "HMAC_512": "HMAC_SHA_512",
}


def _check(response: KmsResponse) -> None:
    params = json.loads(response.body or "{}")
    key_id = params.get("KeyId", "")
    response._validate_key_id(key_id)
    backend = response.kms_backend
    key = backend.keys[backend.any_id_to_key_id(key_id)]
    algorithm = params.get("MacAlgorithm")
    if not algorithm:
        raise JsonRESTError("ValidationException", "1 validation error detected: Value null at 'macAlgorithm' failed to satisfy constraint: Member must not be null")
    if key.key_state == "Disabled":
        raise JsonRESTError("DisabledException", f"{key.arn} is disabled.")
    if key.key_state != "Enabled":
        raise JsonRESTError("KMSInvalidStateException", f"{key.arn} is {key.key_state}.")
    if key.key_usage != "GENERATE_VERIFY_MAC" or _ALGORITHM_OF_SPEC.get(key.key_spec) != algorithm:
        raise JsonRESTError(
            "InvalidKeyUsageException",
            f"{key.arn} key usage is {key.key_usage} with key spec {key.key_spec}, which does not support {algorithm}.",
        )


def _strict(name: str) -> None:
    original = getattr(KmsResponse, name)

    def method(self: KmsResponse, *args: Any, **kwargs: Any) -> Any:
        _check(self)
        return original(self, *args, **kwargs)

    setattr(KmsResponse, name, method)


_strict("generate_mac")
_strict("verify_mac")
