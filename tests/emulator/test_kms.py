"""kms.py: GenerateMac and VerifyMac as AWS checks them (API_GenerateMac,
API_VerifyMac): the key's own algorithm, an enabled key, a MAC key."""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import ClientError

from helpers import code


def hmac_key(kms: Any, spec: str = "HMAC_256") -> str:
    return kms.create_key(KeySpec=spec, KeyUsage="GENERATE_VERIFY_MAC")["KeyMetadata"]["KeyId"]


def test_a_mac_verifies_only_for_its_own_message(kms):
    key = hmac_key(kms)
    mac = kms.generate_mac(KeyId=key, MacAlgorithm="HMAC_SHA_256", Message=b"arn-a")["Mac"]
    assert kms.verify_mac(KeyId=key, MacAlgorithm="HMAC_SHA_256", Message=b"arn-a", Mac=mac)["MacValid"]
    with pytest.raises(ClientError) as error:
        kms.verify_mac(KeyId=key, MacAlgorithm="HMAC_SHA_256", Message=b"arn-b", Mac=mac)
    assert code(error) == "KMSInvalidMacException"
    other = hmac_key(kms)
    with pytest.raises(ClientError) as error:
        kms.verify_mac(KeyId=other, MacAlgorithm="HMAC_SHA_256", Message=b"arn-a", Mac=mac)
    assert code(error) == "KMSInvalidMacException"


def test_the_algorithm_must_be_the_key_spec_s(kms):
    key = hmac_key(kms, "HMAC_256")
    with pytest.raises(ClientError) as error:
        kms.generate_mac(KeyId=key, MacAlgorithm="HMAC_SHA_512", Message=b"m")
    assert code(error) == "InvalidKeyUsageException"
    encrypting = kms.create_key()["KeyMetadata"]["KeyId"]
    with pytest.raises(ClientError) as error:
        kms.generate_mac(KeyId=encrypting, MacAlgorithm="HMAC_SHA_256", Message=b"m")
    assert code(error) == "InvalidKeyUsageException"


def test_a_disabled_key_makes_and_checks_nothing(kms):
    key = hmac_key(kms)
    mac = kms.generate_mac(KeyId=key, MacAlgorithm="HMAC_SHA_256", Message=b"m")["Mac"]
    kms.disable_key(KeyId=key)
    with pytest.raises(ClientError) as error:
        kms.generate_mac(KeyId=key, MacAlgorithm="HMAC_SHA_256", Message=b"m")
    assert code(error) == "DisabledException"
    with pytest.raises(ClientError) as error:
        kms.verify_mac(KeyId=key, MacAlgorithm="HMAC_SHA_256", Message=b"m", Mac=mac)
    assert code(error) == "DisabledException"
