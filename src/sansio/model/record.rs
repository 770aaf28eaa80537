//! Recording rules, automatic recording and recording callbacks.

use super::{AppAutoRecordMode, AppCallbackUrl, AutoRecordMode, RecordFormat};
use crate::Secret;

request_model! {
    /// Body of `CreateRecordRule` and `UpdateRecordRule` (SDK model `RecordRuleReq`).
    ///
    /// ```
    /// use sparkrtc::model::*;
    /// let rule = RecordRuleReq::new(
    ///     RecordObsFileAddr::new("cn-north-4", "obs-project-id", "my-bucket").object("rtc/"),
    ///     vec![RecordFormat::Hls],
    /// )
    /// .hls_config(HlsRecordConfig::new(3600u32).record_slice_duration(10u32));
    /// assert_eq!(
    ///     serde_json::to_string(&rule).unwrap(),
    ///     r#"{"obs_addr":{"location":"cn-north-4","project_id":"obs-project-id","bucket":"my-bucket","object":"rtc/"},"record_formats":["HLS"],"hls_config":{"record_cycle":3600,"record_slice_duration":10}}"#
    /// );
    /// ```
    pub struct RecordRuleReq {
        required {
            /// Where recordings are stored.
            obs_addr: RecordObsFileAddr,
            /// Formats to record (`HLS` needs `hls_config`, `MP4` needs `mp4_config`).
            record_formats: Vec<RecordFormat>,
        }
        optional {
            /// HLS settings.
            hls_config: HlsRecordConfig,
            /// MP4 settings.
            mp4_config: Mp4RecordConfig,
        }
        rules: |rule, at, _| {
            if rule.record_formats.contains(&RecordFormat::Hls) && rule.hls_config.is_none() {
                return Err(at
                    .field("hls_config")
                    .invalid("is required when record_formats contains HLS"));
            }
            if rule.record_formats.contains(&RecordFormat::Mp4) && rule.mp4_config.is_none() {
                return Err(at
                    .field("mp4_config")
                    .invalid("is required when record_formats contains MP4"));
            }
            Ok(())
        },
    }
}

request_model! {
    /// An OBS location for recordings (SDK model `RecordObsFileAddr`).
    pub struct RecordObsFileAddr {
        required {
            /// Region of the bucket, for example `cn-north-4`.
            location: String,
            /// Project id of the bucket's region.
            project_id: String,
            /// Bucket name.
            bucket: String,
        }
        optional {
            /// Object path prefix; the bucket root when unset.
            object: String,
        }
    }
}

request_model! {
    /// HLS recording settings (SDK model `HLSRecordConfig`).
    pub struct HlsRecordConfig {
        required {
            /// Seconds per recording file: 0 (one file per stream) or 60..=43200.
            record_cycle: u32,
        }
        optional {
            /// Path and file-name prefix of the m3u8 files; may use `{app_id}`,
            /// `{record_format}`, `{stream}`, `{file_start_time}`.
            record_prefix: String,
            /// TS segment length, seconds, 2..=60 (default 10).
            record_slice_duration: u32 [2..=60],
            /// Gap in seconds after which a new file starts, -1..=300 (default
            /// 0: a new file at every interruption; -1: append to the old file).
            record_max_duration_to_merge_file: i32 [-1..=300],
        }
        rules: |hls, at, checks| {
            if checks.ranges && hls.record_cycle != 0 && !(60..=43200).contains(&hls.record_cycle) {
                return Err(at.field("record_cycle").invalid(format!(
                    "must be 0 or within 60..=43200, got {}",
                    hls.record_cycle
                )));
            }
            Ok(())
        },
    }
}

request_model! {
    /// MP4 recording settings (SDK model `MP4RecordConfig`).
    pub struct Mp4RecordConfig {
        required {
            /// Seconds per recording file, 60..=10800.
            record_cycle: u32 [60..=10800],
        }
        optional {
            /// Path and file-name prefix; may use `{app_id}`, `{record_format}`,
            /// `{stream}`, `{file_start_time}`.
            record_prefix: String,
            /// Gap in seconds after which a new file starts, 0..=300 (default 0).
            record_max_duration_to_merge_file: u32 [0..=300],
        }
    }
}

response_model! {
    /// A recording rule (output of `CreateRecordRule`, `ShowRecordRule`,
    /// `UpdateRecordRule`; items of `ListRecordRules`).
    pub struct RecordRule {
        fields {
            /// Rule id, assigned by the service.
            rule_id: String [always text],
            /// Application id.
            app_id: String [always text],
            /// Where recordings are stored.
            obs_addr: RecordObsFileAddr [always value],
            /// HLS settings.
            hls_config: HlsRecordConfig,
            /// MP4 settings.
            mp4_config: Mp4RecordConfig,
            /// Creation time, UTC.
            create_time: String [always utc],
            /// Last update, UTC.
            update_time: String [optional utc],
        }
        lists {
            /// Recorded formats.
            record_formats: RecordFormat,
        }
    }
}

response_model! {
    /// Output of `ListRecordRules` (SDK model `ListRecordRulesResponse`).
    pub struct RecordRuleList {
        fields {
        }
        lists {
            /// The rules.
            rules: RecordRule,
        }
    }
}

request_model! {
    /// Body of `UpdateAutoRecord` (SDK model `AutoRecordModeReq`).
    pub struct AutoRecordModeReq {
        required {
            /// Recording mode.
            mode: AutoRecordMode,
        }
        optional {
            /// Recording rule; required when `mode` is `AUTO_INDIVIDUAL_RECORD`.
            record_rule_id: String,
        }
        rules: |req, at, _| {
            if req.mode == AutoRecordMode::Individual
                && req.record_rule_id.as_deref().unwrap_or("").is_empty()
            {
                return Err(at
                    .field("record_rule_id")
                    .invalid("is required when mode is AUTO_INDIVIDUAL_RECORD"));
            }
            Ok(())
        },
    }
}

response_model! {
    /// Output of `ShowAutoRecord` and `UpdateAutoRecord`.
    pub struct AutoRecordConfig {
        fields {
            /// Application id.
            app_id: String [always text],
            /// The settings.
            auto_record_mode: AppAutoRecordMode [always value],
        }
    }
}

request_model! {
    /// Body of `UpdateRecordCallback` (SDK model `AppCallbackUrlReq`).
    pub struct AppCallbackUrlReq {
        required {
            /// Callback URL; must start with `http://` or `https://` and accept POSTs.
            url: String,
        }
        optional {
            /// Key the callbacks are authenticated with, 32 to 64 characters;
            /// none when unset. Secret.
            auth_key: Secret,
        }
        rules: |req, at, checks| {
            if let (true, Some(key)) = (checks.ranges, &req.auth_key) {
                let chars = key.expose_secret().chars().count();
                if !(32..=64).contains(&chars) {
                    return Err(at.field("auth_key").invalid(format!(
                        "must be 32 to 64 characters, got {chars}"
                    )));
                }
            }
            let url = at.field("url");
            let lower = req.url.get(..8).unwrap_or(&req.url).to_ascii_lowercase();
            if !(lower.starts_with("http://") || lower.starts_with("https://")) {
                return Err(url.invalid("must start with http:// or https://"));
            }
            if req.url.bytes().any(|b| b.is_ascii_control() || b == b' ') {
                return Err(url.invalid("must not contain spaces or control characters"));
            }
            Ok(())
        },
    }
}

response_model! {
    /// Output of `ShowRecordCallback` and `UpdateRecordCallback`.
    pub struct RecordCallbackConfig {
        fields {
            /// Application id.
            app_id: String [always text],
            /// The recording callback.
            record_callback: AppCallbackUrl,
        }
    }
}
