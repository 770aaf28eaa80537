#!/usr/bin/env python3
"""Record exactly what the official Huawei Cloud Python SDK sends on the wire.

For every case in ``tests/sdk/cases.json`` this script builds the SDK request
object (``huaweicloudsdkcloudrtc`` v1 or v2), fills it from the case's
``params``, calls the operation against a local recording HTTP server and
writes what arrived to ``tests/fixtures/sdk/captured.json``.

Run from the repository root with the SDK virtualenv ``DIR`` (see
tests/sdk/README.md):

    DIR/bin/python tests/sdk/capture.py

Case ``params`` shape (the crate's "dynamic" request shape):
  * path and query parameters by their wire names at the top level
    (``list[str]`` query parameters as JSON arrays);
  * the request body, a JSON object in the model's wire field names, under
    ``"body"``.

Determinism:
  * The signing time is pinned to 20240102T030405Z.  Operations whose request
    model has an ``x_sdk_date`` attribute get it set (the SDK copies it into
    the ``X-Sdk-Date`` header and the signer then signs with that header
    instead of the clock).  Request models without that attribute (the
    rtc-ops bucket operations and four /v1 statistics operations) are signed
    with the clock, so ``datetime`` inside ``huaweicloudsdkcore.signer.signer``
    is replaced by a subclass whose ``utcnow()`` returns the pinned time.  The
    script checks per case that the clock was consulted only when expected.
  * The server listens on a random free port, which would leak into the
    ``Host`` header and therefore the signature.  The client's
    ``preset_headers`` (an SDK feature merged into every request's headers
    before signing) pins ``Host: rtc-api.myhuaweicloud.com``, so the captured
    request is byte-for-byte what the SDK would send to the real global
    endpoint (bar the TLS/TCP destination).
  * ``HttpConfig.user_agent`` is set to a fixed value; the SDK's default
    user-agent suffix contains the OS, kernel version, Python version and a
    per-machine UUID from ~/.huaweicloud/application_id.

Every captured request is also re-verified: the Authorization header is
recomputed with the SDK's own ``Signer`` from the captured wire data only
(raw path, decoded query pairs, the signed headers, the body bytes).
"""

import argparse
import datetime as _dt
import http.server
import importlib.metadata
import json
import os
import re
import sys
import threading
from pathlib import Path
from urllib.parse import unquote

# Never route the loopback capture through a proxy from the environment.
for _var in ("NO_PROXY", "no_proxy"):
    _cur = os.environ.get(_var, "")
    os.environ[_var] = ",".join(filter(None, [_cur, "127.0.0.1", "localhost"]))

import huaweicloudsdkcore.signer.signer as sdk_signer_module  # noqa: E402
from huaweicloudsdkcore.auth.credentials import BasicCredentials  # noqa: E402
from huaweicloudsdkcore.http.http_config import HttpConfig  # noqa: E402
from huaweicloudsdkcore.sdk_request import SdkRequest  # noqa: E402
from huaweicloudsdkcore.signer.signer import Signer  # noqa: E402

import huaweicloudsdkcloudrtc.v1 as rtc_v1  # noqa: E402
import huaweicloudsdkcloudrtc.v2 as rtc_v2  # noqa: E402

SDK_VERSION = "3.1.219"
AK = "AKTEST"
SK = "SKTEST"
PROJECT_ID = "proj123"
SDK_DATE = "20240102T030405Z"
PINNED_TIME = _dt.datetime(2024, 1, 2, 3, 4, 5)
SIGNING_HOST = "rtc-api.myhuaweicloud.com"
USER_AGENT_SUFFIX = "sparkrtc-sdk-capture/1.0"

HERE = Path(__file__).resolve().parent
DEFAULT_CASES = HERE / "cases.json"
DEFAULT_OUT = HERE.parent / "fixtures" / "sdk" / "captured.json"


# --------------------------------------------------------------------------
# Pinned clock for the signer module
# --------------------------------------------------------------------------

class _PinnedDatetime(_dt.datetime):
    """Drop-in for ``datetime.datetime`` inside the signer module."""

    utcnow_calls = 0
    _lock = threading.Lock()

    @classmethod
    def utcnow(cls):
        with _PinnedDatetime._lock:
            _PinnedDatetime.utcnow_calls += 1
        return _dt.datetime(PINNED_TIME.year, PINNED_TIME.month, PINNED_TIME.day,
                            PINNED_TIME.hour, PINNED_TIME.minute, PINNED_TIME.second)

    @classmethod
    def now(cls, tz=None):  # not used by the signer today; pinned for safety
        with _PinnedDatetime._lock:
            _PinnedDatetime.utcnow_calls += 1
        t = PINNED_TIME if tz is None else PINNED_TIME.replace(tzinfo=_dt.timezone.utc).astimezone(tz)
        return t


def pin_signer_clock():
    if sdk_signer_module.datetime is not _dt.datetime:
        raise SystemExit("huaweicloudsdkcore.signer.signer.datetime is not datetime.datetime; "
                         "the SDK changed, revisit the clock pinning")
    sdk_signer_module.datetime = _PinnedDatetime


# --------------------------------------------------------------------------
# Recording HTTP server
# --------------------------------------------------------------------------

class _Recorder:
    def __init__(self):
        self.lock = threading.Lock()
        self.requests = []

    def add(self, rec):
        with self.lock:
            self.requests.append(rec)

    def take(self):
        with self.lock:
            out, self.requests = self.requests, []
        return out


class _Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "capture"
    sys_version = ""

    def log_message(self, fmt, *args):  # keep stdout/stderr quiet
        pass

    def _record_and_reply(self):
        raw_headers = []
        for name, value in self.headers.raw_items():
            # http.server decodes header bytes as latin-1; undo that so that
            # UTF-8 header values come out as text.
            try:
                value = value.encode("latin-1").decode("utf-8")
            except UnicodeError:
                pass
            raw_headers.append((name, value))
        body = None
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            chunks = []
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip(), 16)
                if size == 0:
                    self.rfile.readline()
                    break
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
            body = b"".join(chunks)
        else:
            length = int(self.headers.get("Content-Length") or 0)
            if length:
                body = self.rfile.read(length)
        self.server.recorder.add({
            "method": self.command,
            "target": self.path,
            "raw_headers": raw_headers,
            "body": body,
        })
        payload = b"{}"
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("X-Request-Id", "captured")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = do_HEAD = _record_and_reply


def start_server():
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    server.daemon_threads = True
    server.recorder = _Recorder()
    thread = threading.Thread(target=server.serve_forever, name="capture-server", daemon=True)
    thread.start()
    return server


# --------------------------------------------------------------------------
# Params -> SDK request objects
# --------------------------------------------------------------------------

_LIST_RE = re.compile(r"^list\[(.*)\]$")
_DICT_RE = re.compile(r"^dict\(([^,]*), (.*)\)$")


class CaseError(Exception):
    pass


def _check_primitive(value, type_name, where):
    if type_name == "str":
        ok = isinstance(value, str)
    elif type_name == "int":
        ok = isinstance(value, int) and not isinstance(value, bool)
    elif type_name == "float":
        # Require a JSON float (0.0, not 0) so the SDK gets a Python float,
        # exactly like a typed caller would pass, and the case file is
        # unambiguous about how the number is written.
        ok = isinstance(value, float)
    elif type_name == "bool":
        ok = isinstance(value, bool)
    elif type_name == "object":
        ok = True
    else:
        raise CaseError("%s: unsupported primitive type %r" % (where, type_name))
    if not ok:
        raise CaseError("%s: expected %s, got %r" % (where, type_name, value))
    return value


def json_to_sdk(value, type_name, package, where):
    """Convert wire JSON into SDK model objects following openapi_types."""
    if value is None:
        return None
    m = _LIST_RE.match(type_name)
    if m:
        if not isinstance(value, list):
            raise CaseError("%s: expected a list for %s, got %r" % (where, type_name, value))
        return [json_to_sdk(v, m.group(1), package, "%s[%d]" % (where, i)) for i, v in enumerate(value)]
    m = _DICT_RE.match(type_name)
    if m:
        if not isinstance(value, dict):
            raise CaseError("%s: expected an object for %s" % (where, type_name))
        return {k: json_to_sdk(v, m.group(2), package, "%s.%s" % (where, k)) for k, v in value.items()}
    if type_name in ("str", "int", "float", "bool", "object"):
        return _check_primitive(value, type_name, where)
    klass = getattr(package, type_name, None)
    if klass is None or not hasattr(klass, "openapi_types"):
        raise CaseError("%s: unknown model type %r" % (where, type_name))
    if not isinstance(value, dict):
        raise CaseError("%s: expected an object for model %s, got %r" % (where, type_name, value))
    wire_to_attr = {wire: attr for attr, wire in klass.attribute_map.items()}
    kwargs = {}
    for key, sub in value.items():
        attr = wire_to_attr.get(key)
        if attr is None:
            raise CaseError("%s: model %s has no wire field %r" % (where, type_name, key))
        kwargs[attr] = json_to_sdk(sub, klass.openapi_types[attr], package, "%s.%s" % (where, key))
    return klass(**kwargs)


def snake_case(name):
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


def resolve_operation(operation):
    found = []
    for version, package in (("v1", rtc_v1), ("v2", rtc_v2)):
        klass = getattr(package, operation + "Request", None)
        if klass is not None and hasattr(package.CloudRTCClient, snake_case(operation)):
            found.append((version, package, klass))
    if len(found) != 1:
        raise CaseError("operation %s: found in %d SDK packages" % (operation, len(found)))
    return found[0]


def build_request(operation, params):
    version, package, klass = resolve_operation(operation)
    request = klass()
    wire_to_attr = {wire: attr for attr, wire in klass.attribute_map.items()}
    for key, value in params.items():
        where = "%s.params.%s" % (operation, key)
        attr = wire_to_attr.get(key)
        if attr is None or attr in ("content_type", "authorization", "x_sdk_date", "x_project_id"):
            raise CaseError("%s: not a path/query/body parameter of %s" % (where, klass.__name__))
        setattr(request, attr, json_to_sdk(value, klass.openapi_types[attr], package, where))
    has_sdk_date = "x_sdk_date" in klass.openapi_types
    if has_sdk_date:
        request.x_sdk_date = SDK_DATE
    return version, request, has_sdk_date


# --------------------------------------------------------------------------
# Capture
# --------------------------------------------------------------------------

def build_clients(base_url):
    credentials = BasicCredentials(ak=AK, sk=SK, project_id=PROJECT_ID)
    clients = {}
    for version, package in (("v1", rtc_v1), ("v2", rtc_v2)):
        config = HttpConfig.get_default_config()
        config.user_agent = USER_AGENT_SUFFIX
        config.timeout = (10, 30)
        client = package.CloudRTCClient.new_builder() \
            .with_credentials(credentials) \
            .with_http_config(config) \
            .with_endpoints([base_url]) \
            .build()
        client.preset_headers = {"Host": SIGNING_HOST}
        clients[version] = client
    return clients


def split_target(target):
    if "?" in target:
        path, raw_query = target.split("?", 1)
    else:
        path, raw_query = target, ""
    return path, raw_query


def decode_query(raw_query):
    pairs = []
    if raw_query == "":
        return pairs
    for part in raw_query.split("&"):
        if "=" in part:
            key, value = part.split("=", 1)
        else:
            key, value = part, ""
        pairs.append([unquote(key, errors="strict"), unquote(value, errors="strict")])
    return pairs


def verify_signature(rec, path, query):
    """Recompute the Authorization header from the wire data alone."""
    headers = {}
    for name, value in rec["raw_headers"]:
        headers[name.lower()] = (name, value)
    auth = headers["authorization"][1]
    m = re.match(r"^SDK-HMAC-SHA256 Access=([^,]+), SignedHeaders=([^,]+), Signature=([0-9a-f]{64})$", auth)
    if not m:
        raise AssertionError("unexpected Authorization header %r" % auth)
    signed = m.group(2).split(";")
    header_params = {}
    for lname in signed:
        name, value = headers[lname]
        header_params[name] = value
    request = SdkRequest(method=rec["method"], schema="https", host=headers["host"][1], resource_path=path,
                         query_params=[(k, v) for k, v in query], header_params=header_params,
                         body=rec["body"])
    Signer(BasicCredentials(ak=AK, sk=SK)).sign(request)
    if request.header_params["Authorization"] != auth:
        raise AssertionError("signature mismatch:\n wire:     %s\n recomputed: %s"
                             % (auth, request.header_params["Authorization"]))
    if request.uri != rec["target"]:
        raise AssertionError("wire target %r != canonical uri %r" % (rec["target"], request.uri))


def run_case(case, clients, server):
    name, operation, params = case["name"], case["operation"], case["params"]
    version, request, has_sdk_date = build_request(operation, json.loads(json.dumps(params)))
    client = clients[version]
    method = getattr(client, snake_case(operation))
    server.recorder.take()
    calls_before = _PinnedDatetime.utcnow_calls
    response = method(request)
    clock_used = _PinnedDatetime.utcnow_calls - calls_before
    status = getattr(response, "status_code", None)
    if status != 200:
        raise AssertionError("%s: unexpected status %r" % (name, status))
    recs = server.recorder.take()
    if len(recs) != 1:
        raise AssertionError("%s: expected exactly one request on the wire, got %d" % (name, len(recs)))
    rec = recs[0]

    # Clock checks: x_sdk_date must be what the signer used; otherwise the
    # pinned clock must have been consulted exactly once.
    if has_sdk_date and clock_used != 0:
        raise AssertionError("%s: request has x_sdk_date but the signer read the clock" % name)
    if not has_sdk_date and clock_used != 1:
        raise AssertionError("%s: expected the signer to read the (pinned) clock once, got %d"
                             % (name, clock_used))

    headers = {}
    for hname, hvalue in rec["raw_headers"]:
        key = hname.lower()
        if key in headers:
            raise AssertionError("%s: duplicate header %s" % (name, hname))
        headers[key] = hvalue
    if headers.get("x-sdk-date") != SDK_DATE:
        raise AssertionError("%s: X-Sdk-Date on the wire is %r" % (name, headers.get("x-sdk-date")))

    path, raw_query = split_target(rec["target"])
    query = decode_query(raw_query)
    verify_signature(rec, path, query)

    body_raw = None
    body = None
    if rec["body"] is not None:
        body_raw = rec["body"].decode("utf-8")
        body = json.loads(body_raw)

    return {
        "name": name,
        "operation": operation,
        "params": params,
        "method": rec["method"],
        "path": path,
        "raw_query": raw_query,
        "query": query,
        "headers": headers,
        "body": body,
        "body_raw": body_raw,
    }, has_sdk_date


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cases", default=str(DEFAULT_CASES))
    parser.add_argument("--out", default=str(DEFAULT_OUT))
    parser.add_argument("--any-sdk-version", action="store_true",
                        help="do not insist on huaweicloudsdkcore/huaweicloudsdkcloudrtc %s" % SDK_VERSION)
    args = parser.parse_args(argv)

    for dist in ("huaweicloudsdkcore", "huaweicloudsdkcloudrtc"):
        got = importlib.metadata.version(dist)
        if got != SDK_VERSION and not args.any_sdk_version:
            raise SystemExit("%s %s installed, fixtures are pinned to %s (use --any-sdk-version to override)"
                             % (dist, got, SDK_VERSION))

    with open(args.cases, encoding="utf-8") as fh:
        cases = json.load(fh)
    names = [c["name"] for c in cases]
    dupes = sorted({n for n in names if names.count(n) > 1})
    if dupes:
        raise SystemExit("duplicate case names: %s" % ", ".join(dupes))

    pin_signer_clock()
    server = start_server()
    port = server.server_address[1]
    clients = build_clients("http://127.0.0.1:%d" % port)

    results = []
    clock_pinned_ops = set()
    try:
        for case in cases:
            try:
                result, has_sdk_date = run_case(case, clients, server)
            except CaseError as exc:
                raise SystemExit("case %s: %s" % (case.get("name"), exc))
            if not has_sdk_date:
                clock_pinned_ops.add(case["operation"])
            results.append(result)
    finally:
        for client in clients.values():
            client.close()
        server.shutdown()
        server.server_close()

    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    text = json.dumps(results, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
    with open(out, "w", encoding="utf-8", newline="\n") as fh:
        fh.write(text)
    print("captured %d cases -> %s" % (len(results), out), file=sys.stderr)
    if clock_pinned_ops:
        print("signing time pinned via patched signer clock (no x_sdk_date attribute): %s"
              % ", ".join(sorted(clock_pinned_ops)), file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
