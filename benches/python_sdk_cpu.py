#!/usr/bin/env python3
"""The official Python SDK's CPU per call against the simulator, the figure
the client bench (benches/benches/client.rs) compares the client with.

The same call as the bench's: ListApps with limit 10, ten applications,
one kept-alive connection (the SDK's requests session), rate limits off.
CPU time of this process (user plus system, time.process_time), in
interleaved rounds after a warm-up round: the median and the range.

    cargo run --release --features simulator --bin sparkrtc-simulator -- \
        --port 18080 --no-rate-limits &
    python3 -m venv VENV && VENV/bin/pip install huaweicloudsdkcloudrtc
    VENV/bin/python benches/python_sdk_cpu.py http://127.0.0.1:18080
"""

import logging
import os
import statistics
import sys
import time

for _var in ("NO_PROXY", "no_proxy"):
    os.environ[_var] = ",".join(filter(None, [os.environ.get(_var, ""), "127.0.0.1", "localhost"]))

from huaweicloudsdkcore.auth.credentials import BasicCredentials  # noqa: E402
from huaweicloudsdkcore.http.http_config import HttpConfig  # noqa: E402
import huaweicloudsdkcloudrtc.v2 as rtc  # noqa: E402

AK = "SIMULATORAK0000000000"
SK = "simulator-secret-key"
PROJECT_ID = "0123456789abcdef0123456789abcdef"
CALLS = 500
ROUNDS = 5


def main():
    endpoint = sys.argv[1] if len(sys.argv) > 1 else "http://127.0.0.1:18080"
    config = HttpConfig.get_default_config()
    config.ignore_ssl_verification = True
    client = (
        rtc.CloudRTCClient.new_builder()
        .with_http_config(config)
        .with_credentials(BasicCredentials(AK, SK, PROJECT_ID))
        .with_endpoint(endpoint)
        .build()
    )
    logging.getLogger("HttpHandler").setLevel(logging.WARNING)
    have = client.list_apps(rtc.ListAppsRequest(limit=10)).apps or []
    for i in range(len(have), 10):
        body = rtc.AppReq(app_name="bench-%d" % i)
        client.create_app(rtc.CreateAppRequest(body=body))
    request = rtc.ListAppsRequest(limit=10)
    assert len(client.list_apps(request).apps) == 10

    per_call = []
    for round_ in range(ROUNDS + 1):
        start = time.process_time()
        for _ in range(CALLS):
            client.list_apps(request)
        t = (time.process_time() - start) / CALLS
        if round_ > 0:
            per_call.append(t)
    us = sorted(t * 1e6 for t in per_call)
    print(
        "official Python SDK %s, ListApps (10 apps): cpu per call median %.0f us (%.0f..%.0f) "
        "over %d rounds of %d calls"
        % (sys.version.split()[0], statistics.median(us), us[0], us[-1], ROUNDS, CALLS)
    )


if __name__ == "__main__":
    main()
