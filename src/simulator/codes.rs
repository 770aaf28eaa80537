//! The error codes the simulator answers with, as the service and its API
//! gateway give them.

/// 404: no such API.
pub(crate) const APIGW_NO_ROUTE: &str = "APIGW.0101";
/// 401: authentication failed.
pub(crate) const APIGW_AUTH: &str = "APIGW.0301";
/// 403: not authorized for the project.
pub(crate) const APIGW_FORBIDDEN: &str = "APIGW.0302";
/// 400, 413, 414, 431, 502, 503, 504: a request the gateway cannot take,
/// or a backend it cannot reach.
pub(crate) const APIGW_REQUEST: &str = "APIGW.0201";
/// 429: throttled.
pub(crate) const APIG_THROTTLED: &str = "APIG.0308";
/// MalformedRequestBody.
pub(crate) const MALFORMED_BODY: &str = "RTC.00001002";
/// InvalidParameterValue.
pub(crate) const INVALID_PARAMETER: &str = "RTC.00001003";
/// MissingParameter.
pub(crate) const MISSING_PARAMETER: &str = "RTC.00001005";
/// JobDone.
pub(crate) const JOB_DONE: &str = "RTC.00001009";
/// AppDeactivation.
pub(crate) const APP_DEACTIVATION: &str = "RTC.00001016";
/// AppsExceed.
pub(crate) const APPS_EXCEED: &str = "RTC.00001017";
/// RecordRuleExist.
pub(crate) const RECORD_RULE_EXIST: &str = "RTC.00001019";
/// AppExist.
pub(crate) const APP_EXIST: &str = "RTC.00001020";
/// InternalError.
pub(crate) const INTERNAL: &str = "RTC.00002001";
