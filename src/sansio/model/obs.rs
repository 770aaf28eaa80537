//! OBS buckets that recordings are written to.

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// Whether `UpdateObsBucketAuthority` grants or revokes SparkRTC's access to a
/// bucket. On the wire: `1` grants, `0` revokes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ObsOperation {
    /// `0`: revoke the authorization.
    Revoke,
    /// `1`: authorize SparkRTC to write recordings to the bucket.
    Grant,
}

impl ObsOperation {
    /// The wire value.
    pub fn code(self) -> u8 {
        match self {
            ObsOperation::Revoke => 0,
            ObsOperation::Grant => 1,
        }
    }
}

impl Serialize for ObsOperation {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_u8(self.code())
    }
}

impl<'de> Deserialize<'de> for ObsOperation {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl serde::de::Visitor<'_> for V {
            type Value = ObsOperation;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("0 (revoke) or 1 (grant)")
            }
            fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<ObsOperation, E> {
                match v {
                    0 => Ok(ObsOperation::Revoke),
                    1 => Ok(ObsOperation::Grant),
                    _ => Err(E::invalid_value(serde::de::Unexpected::Unsigned(v), &self)),
                }
            }
            fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<ObsOperation, E> {
                match u64::try_from(v) {
                    Ok(u) => self.visit_u64(u),
                    Err(_) => Err(E::invalid_value(serde::de::Unexpected::Signed(v), &self)),
                }
            }
        }
        d.deserialize_u64(V)
    }
}

impl super::rules::Field for ObsOperation {}

impl super::lenient::Lenient for ObsOperation {
    fn deserialize_lenient<'de, D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Self::deserialize(d)
    }
}

/// Only to satisfy the generic response reading of request models; an
/// `ObsAuthorityConfig` never appears in a response.
impl super::lenient::Placeholder for ObsOperation {
    fn placeholder() -> Self {
        ObsOperation::Revoke
    }
}

request_model! {
    /// Body of `UpdateObsBucketAuthority` (SDK model `ObsAuthorityConfig`).
    pub struct ObsAuthorityConfig {
        required {
            /// Bucket name.
            bucket: String,
            /// Grant or revoke.
            operation: ObsOperation,
            /// Region of the bucket, for example `cn-north-4`.
            location: String,
        }
        optional {
            /// The tenant's project id.
            project_id: String,
        }
    }
}

response_model! {
    /// An OBS bucket (items of `ListObsBuckets`).
    pub struct ObsBucket {
        fields {
            /// Bucket name.
            bucket: String [always text],
            /// Region.
            location: String [always text],
            /// Creation date, like `2020/07/16 15:11:55 GMT+08:00`.
            creation_date: String [always obs],
            /// Whether SparkRTC is authorized to write to it.
            is_authorized: bool [always copy],
        }
    }
}

response_model! {
    /// Output of `ListObsBuckets`.
    pub struct ObsBucketList {
        fields {
            /// Number of buckets.
            count: i64,
        }
        lists {
            /// The buckets.
            buckets: ObsBucket,
        }
    }
}

response_model! {
    /// An object or folder in a bucket (items of `ListObsBucketObjects`).
    pub struct ObsObject {
        fields {
            /// Object name.
            file_name: String [always text],
            /// Size in KB.
            size: i64 [always copy],
            /// Last modification, like `2020/07/16 15:11:55 GMT+08:00`.
            last_modified: String [always obs],
        }
    }
}

response_model! {
    /// Output of `ListObsBucketObjects`.
    pub struct ObsObjectList {
        fields {
            /// Number of objects.
            count: i64,
        }
        lists {
            /// The objects.
            objects: ObsObject,
        }
    }
}
