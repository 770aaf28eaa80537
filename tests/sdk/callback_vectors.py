#!/usr/bin/env python3
"""Known-answer vectors for recording-callback and room-join signatures,
computed with Python's own hmac and hashlib (independently of the crate).

    python3 tests/sdk/callback_vectors.py   # -> tests/fixtures/callback/vectors.json

Callback: signature = lower-case hex HMAC-SHA256, keyed with the callback
auth_key (UTF-8), of X-Rtc-Rand + X-Rtc-Timestamp + body (the body's bytes
as sent). Join: signature = lower-case hex HMAC-SHA256, keyed with the
app_key (UTF-8), of app_id + "+" + room_id + "+" + user_id + "+" + ctime.
No SDK is needed; the output is deterministic.
"""
import argparse
import hashlib
import hmac
import json
import os

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "..", "fixtures", "callback", "vectors.json")

EXAMPLE = (
    '{"event_type": "RECORD_FILE_COMPLETE", "stream_name": "mystream", "record_format": "HLS", '
    '"download_url": "https://abc-rtc-bucket2.obs.cn-north-4.myhuaweicloud.com/Record/Record/'
    '5fcdf5651xxxxxx6f835d0d4.SparkRTC.myhuaweicloud.com/live/continuous_record/hls/'
    'mystream_2021-04-28-08-57-07/mystream_2021-04-28-08-57-07.m3u8", "file_size": 26254952, '
    '"record_duration": 65, "start_time": "2021-04-28T08:56:57Z", "end_time": "2021-04-28T08:58:02Z", '
    '"width": 1280, "height": 720, "obs_location": "http://obs.cn-north-4.myhuaweicloud.com", '
    '"obs_bucket": "abc-rtc-bucket2", "obs_object": "Record/Record/5fcdf5651xxxxxx6f835d0d4.SparkRTC.'
    'myhuaweicloud.com/live/continuous_record/hls/mystream_2021-04-28-08-57-07/'
    'mystream_2021-04-28-08-57-07.m3u8", "app_id": "5fcdf5651xxxxxx6f835d0d4", '
    '"job_id": "608196a2fa1xxxxxx515147f32ef463b", "room_id": "room01"}'
)

KEY32 = "0123456789abcdef0123456789abcdef"
KEY64 = "A" * 16 + "b" * 16 + "0123456789" * 3 + "-_"
KEY_CN = "密钥" * 16  # 32 characters, 96 bytes of UTF-8

CALLBACKS = [
    ("documented example, 32-char key", KEY32, "d5f0a3b1c2e4", "1619600282", EXAMPLE),
    ("documented example, 64-char key", KEY64, "d5f0a3b1c2e4", "1619600282", EXAMPLE),
    ("millisecond timestamp", KEY32, "7f3c", "1619600282123", EXAMPLE),
    ("file start", KEY32, "0", "1700000000",
     '{"event_type":"RECORD_NEW_FILE_START","job_id":"j-1","app_id":"a-1","room_id":"r-1"}'),
    ("job over", KEY64, "ffffffffffffffffffffffffffffffff", "1700000000",
     '{"event_type":"CLOUD_RECORD_SERVER_OVER","job_id":"j-1"}'),
    ("non-ASCII body", KEY32, "9a8b7c", "1700000001",
     '{"event_type":"RECORD_FILE_COMPLETE","room_id":"会议室-01","detail_message":"录制完成 ✓"}'),
    ("non-ASCII key", KEY_CN, "abc", "1700000002",
     '{"event_type":"RTC_USER_ROLE_CHANGED","room_id":"room01","user_id":"用户"}'),
    ("empty body", KEY32, "r", "1700000003", ""),
]

JOINS = [
    ("reference shape", "5fcdf5651xxxxxx6f835d0d4", "room01", "user01", KEY32, 1700007200),
    ("non-ASCII user", "5fcdf5651xxxxxx6f835d0d4", "room01", "用户-01", KEY32, 1700007200),
    ("non-ASCII room and key", "app", "会议室", "alice", KEY_CN, 1700000001),
    ("64-char key", "app", "room", "bob", KEY64, 4102444800),
]


def hexmac(key, data):
    return hmac.new(key.encode("utf-8"), data, hashlib.sha256).hexdigest()


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", default=OUT)
    args = parser.parse_args()
    callbacks = [
        {
            "name": name,
            "auth_key": key,
            "rand": rand,
            "timestamp": ts,
            "body": body,
            "signature": hexmac(key, rand.encode() + ts.encode() + body.encode("utf-8")),
        }
        for name, key, rand, ts, body in CALLBACKS
    ]
    joins = [
        {
            "name": name,
            "app_id": app,
            "room_id": room,
            "user_id": user,
            "app_key": key,
            "ctime": ctime,
            "signature": hexmac(key, f"{app}+{room}+{user}+{ctime}".encode("utf-8")),
        }
        for name, app, room, user, key, ctime in JOINS
    ]
    with open(args.out, "w", encoding="utf-8") as f:
        json.dump({"callbacks": callbacks, "joins": joins}, f, ensure_ascii=False, indent=2, sort_keys=True)
        f.write("\n")
    print(f"{len(callbacks)} callback and {len(joins)} join vectors -> {args.out}")


if __name__ == "__main__":
    main()
