//! The OBS buckets a fresh world starts with, and the sizes of files.

use std::time::{Duration, SystemTime};

use super::super::util::{hash_str, mix};
use super::{BucketRec, ObjectRec};

/// The size of a completed file: in KB (as the bucket lists it) and in
/// bytes (as its callback says), the same for a seed and an object name.
pub(crate) fn file_size(seed: u64, object: &str) -> (i64, i64) {
    let kb = 1 + (mix(seed, &[hash_str(object)]) % 20_480) as i64;
    let short = (mix(seed, &[hash_str(object), 1]) % 1024) as i64;
    (kb, kb * 1024 - short)
}

/// A few buckets and objects, the same for a seed.
pub(super) fn initial(seed: u64, wall: SystemTime) -> Vec<BucketRec> {
    let day = Duration::from_secs(86_400);
    let back = |days: u64, salt: u64| {
        let secs = mix(seed, &[salt]) % 86_400;
        wall.checked_sub(day * days as u32 + Duration::from_secs(secs))
            .unwrap_or(wall)
    };
    let objects = |salt: u64, names: &[&str]| {
        names
            .iter()
            .enumerate()
            .map(|(i, n)| {
                let h = mix(seed, &[salt, i as u64]);
                let size_kb = if n.ends_with('/') {
                    0
                } else {
                    1 + (h % 40_960) as i64
                };
                ObjectRec {
                    name: (*n).to_owned(),
                    size_kb,
                    modified: back(1 + i as u64, salt + i as u64),
                }
            })
            .collect()
    };
    vec![
        BucketRec {
            name: "sparkrtc-record".into(),
            location: "cn-north-4".into(),
            created: back(120, 1),
            authorized: true,
            objects: objects(
                10,
                &[
                    "record/",
                    "record/room001/",
                    "record/room001/m_demo_room001_20240101T080000Z.mp4",
                    "record/room001/m_demo_room001_20240101T080000Z.m3u8",
                    "images/",
                    "images/background.jpg",
                ],
            ),
        },
        BucketRec {
            name: "sparkrtc-backup".into(),
            location: "cn-north-4".into(),
            created: back(90, 2),
            authorized: false,
            objects: objects(
                20,
                &["archive/", "archive/2023/", "archive/2023/summary.json"],
            ),
        },
        BucketRec {
            name: "sparkrtc-east".into(),
            location: "cn-east-3".into(),
            created: back(30, 3),
            authorized: false,
            objects: Vec::new(),
        },
    ]
}
