"""How the behaviours attach to moto: one lock, one tick, and `around`.

moto answers requests on several threads and its models are not
thread-safe, and our jobs change them too, so every RDS request runs under
one lock, after the scheduler has brought every resource up to the clock.

`around("ModifyDBInstance")` wraps moto's handler for that API action: the
wrapper sees the request (`request.params`, `request.backend`) and decides
whether to refuse it (raise `AwsError`), change it, or hand it to moto
(`call()`) and adjust the result.
"""

from __future__ import annotations

import re
import threading
from typing import Any, Callable

from moto.core.responses import ActionResult
from moto.core.utils import camelcase_to_underscores
from moto.rds.exceptions import RDSClientError
from moto.rds.responses import RDSResponse

from .clock import SCHEDULER

LOCK = threading.RLock()


class AwsError(RDSClientError):
    """An error answer with AWS's code, as the query protocol sends it."""

    def __init__(self, code: str, message: str) -> None:
        # `code` is the error shape's name in the botocore model (such as
        # `InvalidDBInstanceStateFault`); moto's serializer turns it into the
        # wire code and HTTP status the model gives it.
        super().__init__(code, message)


def _patch_call_action() -> None:
    original = RDSResponse.call_action

    def call_action(self: RDSResponse) -> Any:
        with LOCK:
            SCHEDULER.tick()
            return original(self)

    RDSResponse.call_action = call_action  # type: ignore[method-assign]


_patch_call_action()

Handler = Callable[[RDSResponse, Callable[[], Any]], Any]


def around(action: str) -> Callable[[Handler], Handler]:
    """Wraps moto's handler of an API action (or adds one moto lacks)."""

    name = camelcase_to_underscores(action)

    def attach(handler: Handler) -> Handler:
        original = getattr(RDSResponse, name, None)

        def method(self: RDSResponse) -> Any:
            def call() -> Any:
                if original is None:
                    raise AwsError("InvalidAction", f"{action} is not emulated")
                return original(self)

            return handler(self, call)

        method.__name__ = name
        setattr(RDSResponse, name, method)
        return handler

    return attach


def result_object(result: Any, key: str) -> Any:
    """The model object in a moto ActionResult (`DBInstance`, `DBSnapshot`)."""
    assert isinstance(result, ActionResult), result
    return result.result[key]


def param(request: RDSResponse, name: str) -> Any:
    return request.params.get(name)


def flag(request: RDSResponse, name: str) -> bool | None:
    value = request.params.get(name)
    if value is None:
        return None
    if isinstance(value, bool):
        return value
    return str(value).lower() == "true"


# Identifiers: letters, digits and hyphens; the first a letter; no hyphen at
# the end and no two in a row. DB instance, DB cluster and DB cluster
# snapshot identifiers are 1 to 63 characters; DB snapshot identifiers 1 to
# 255 (CreateDBInstanceMessage, CreateDBClusterMessage,
# CreateDBClusterSnapshotMessage, CreateDBSnapshotMessage in botocore's RDS
# model). The messages are the ones AWS sends.
IDENTIFIER = re.compile(r"^[A-Za-z](?!.*--)[A-Za-z0-9-]*(?<!-)$")


def check_identifier(value: str | None, parameter: str, limit: int = 63) -> None:
    if value is None or not IDENTIFIER.match(value):
        raise AwsError(
            "InvalidParameterValue",
            f"The parameter {parameter} is not a valid identifier. Identifiers must "
            f"begin with a letter; must contain only ASCII letters, digits, and "
            f"hyphens; and must not end with a hyphen or contain two consecutive hyphens.",
        )
    if len(value) > limit:
        raise AwsError(
            "InvalidParameterValue",
            f"The parameter {parameter} is not a valid identifier because it is "
            f"longer than {limit} characters.",
        )
