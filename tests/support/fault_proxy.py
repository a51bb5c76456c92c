"""A fault-injecting HTTP proxy for the reliability tests.

It stands between the action and moto_server on loopback, forwards every
request, records the API action of each (for "no mutating call" checks),
and, at a given rate, answers in AWS's place with a fault instead:

  throttle     400 Throttling (query-protocol error body)
  throttle-ex  400 ThrottlingException
  500          500 InternalFailure
  503          503 ServiceUnavailable
  reset        the connection is reset before the request reaches moto
  reset-after  moto carries the request out, then the connection is reset,
               so the caller never learns that it succeeded
  slow         the answer is forwarded after a delay

  refused      a rule's match: 400 InvalidParameterCombination, which the
               SDK does not retry, so the caller sees the call fail once

Usage: fault_proxy.py PORT UPSTREAM_URL RATE SEED LOG_FILE [DELAY_MS] [RULES]
PORT 0 takes a free port; the first line printed is `fault proxy on
http://127.0.0.1:PORT`, with the port served.
DELAY_MS delays every answer (used to give a kill time to land).
RULES, comma-separated `Action[+Parameter]#N`, refuse the Nth request of that
API action (that carries that parameter, if given): `ModifyDBInstance+
NewDBInstanceIdentifier#2` refuses the second rename, and only it; `#*`
refuses every one.

With FAULT_PROXY_STALL=1 a rule's match is never answered instead: the
request reaches neither moto nor an answer, as over a connection that
stalls.

A refusal's error code and message are FAULT_PROXY_CODE and
FAULT_PROXY_MESSAGE from the environment when set: the hostile tests put
payloads there, as if AWS's error text carried them. The message is
XML-escaped, so it reaches the client as it was given.
"""

import http.client
import json
import random
import re
import socket
import struct
import sys
import threading
import time
import urllib.parse
import os
from xml.sax.saxutils import escape
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

PORT, UPSTREAM, RATE, SEED, LOG = (
    int(sys.argv[1]),
    urllib.parse.urlsplit(sys.argv[2]),
    float(sys.argv[3]),
    int(sys.argv[4]),
    sys.argv[5],
)
DELAY = float(sys.argv[6]) / 1000 if len(sys.argv) > 6 else 0.0
RULES = []
for rule in (sys.argv[7] if len(sys.argv) > 7 else "").split(","):
    if rule:
        match, nth = rule.rsplit("#", 1)
        action, _, parameter = match.partition("+")
        RULES.append(
            {"action": action, "parameter": parameter, "nth": 0 if nth == "*" else int(nth), "seen": 0}
        )
REFUSAL_CODE = os.environ.get("FAULT_PROXY_CODE", "InvalidParameterCombination")
REFUSAL_MESSAGE = os.environ.get("FAULT_PROXY_MESSAGE")
STALL = os.environ.get("FAULT_PROXY_STALL") == "1"
FAULTS = ["throttle", "throttle-ex", "500", "503", "reset", "reset-after", "slow"]
ERRORS = {
    "throttle": (400, "Throttling", "Rate exceeded"),
    "throttle-ex": (400, "ThrottlingException", "Rate exceeded"),
    "500": (500, "InternalFailure", "injected internal failure"),
    "503": (503, "ServiceUnavailable", "injected unavailability"),
}
lock = threading.Lock()
rng = random.Random(SEED)


def record(entry):
    with lock, open(LOG, "a", encoding="utf-8") as log:
        log.write(json.dumps(entry) + "\n")


def ruled(action, form):
    """Whether a rule refuses this request."""
    with lock:
        for rule in RULES:
            if rule["action"] == action and (not rule["parameter"] or rule["parameter"] in form):
                rule["seen"] += 1
                if rule["nth"] in (0, rule["seen"]):
                    return True
    return False


def draw():
    with lock:
        return rng.choice(FAULTS) if rng.random() < RATE else None


class Proxy(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def reset(self):
        # SO_LINGER with a zero timeout makes close() send a RST.
        self.connection.setsockopt(
            socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0)
        )
        self.connection.close()
        self.close_connection = True

    def forward(self, body):
        upstream = http.client.HTTPConnection(UPSTREAM.hostname, UPSTREAM.port, timeout=60)
        headers = {k: v for k, v in self.headers.items() if k.lower() != "host"}
        headers["Host"] = f"{UPSTREAM.hostname}:{UPSTREAM.port}"
        upstream.request(self.command, self.path, body=body, headers=headers)
        answer = upstream.getresponse()
        payload = answer.read()
        upstream.close()
        return answer.status, answer.getheaders(), payload

    def reply(self, status, headers, payload):
        self.send_response(status)
        for name, value in headers:
            if name.lower() not in ("transfer-encoding", "connection", "content-length"):
                self.send_header(name, value)
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def handle_any(self):
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        form = urllib.parse.parse_qs(body.decode("utf-8", "replace"))
        action = (form.get("Action") or [self.headers.get("X-Amz-Target", "")])[0]
        fault = ("stalled" if STALL else "refused") if ruled(action, form) else draw()
        # `at` (monotonic, shared by every process on the machine) lets
        # scripts/bench time calls against the emulator's clock.
        record({"action": action, "fault": fault, "at": time.monotonic()})
        if fault == "stalled":
            # The handler's thread is a daemon: it ends with the proxy.
            time.sleep(3600)
            return self.reset()
        if fault == "refused":
            payload = (
                "<ErrorResponse><Error><Type>Sender</Type>"
                f"<Code>{escape(REFUSAL_CODE)}</Code>"
                f"<Message>{escape(REFUSAL_MESSAGE or f'injected refusal of {action}')}</Message></Error>"
                "<RequestId>fault-proxy</RequestId></ErrorResponse>"
            ).encode()
            return self.reply(400, [("Content-Type", "text/xml")], payload)
        if fault == "reset":
            return self.reset()
        if fault in ERRORS:
            status, code, message = ERRORS[fault]
            payload = (
                "<ErrorResponse><Error><Type>Sender</Type>"
                f"<Code>{code}</Code><Message>{message}</Message></Error>"
                "<RequestId>fault-proxy</RequestId></ErrorResponse>"
            ).encode()
            return self.reply(status, [("Content-Type", "text/xml")], payload)
        status, headers, payload = self.forward(body)
        # What RDS answered, on a line of its own (tests tell a create RDS
        # refused, which changed nothing, from one that made something).
        code = re.search(rb"<Code>([^<]*)</Code>", payload) if status >= 400 else None
        record({"answer": action, "status": status, "code": code and code.group(1).decode()})
        if fault == "reset-after":
            return self.reset()
        if fault == "slow":
            time.sleep(0.2 + random.random() * 0.8)
        if DELAY:
            time.sleep(DELAY)
        self.reply(status, headers, payload)

    do_GET = do_POST = do_PUT = do_DELETE = handle_any


class Server(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address):
        # A client killed mid-request (the kill tests do that) leaves a
        # broken pipe behind; that is the test working, not a proxy fault.
        if isinstance(sys.exc_info()[1], (BrokenPipeError, ConnectionResetError)):
            return
        super().handle_error(request, client_address)


server = Server(("127.0.0.1", PORT), Proxy)
print(f"fault proxy on http://127.0.0.1:{server.server_address[1]}", flush=True)
server.serve_forever()
