//! How a command fails: one readable line on standard error, and an exit
//! code scripts can branch on (see `args::EXIT_CODES`).

use std::fmt::Write as _;
use std::process::ExitCode;

use sparkrtc::transport::TransportErrorKind;
use sparkrtc::Error;

/// The exit codes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Exit {
    /// Standard output was closed (`| head`): the reader has what it
    /// wanted; stop quietly.
    ClosedPipe = 0,
    Other = 1,
    Usage = 2,
    Service = 3,
    Throttled = 4,
    Transport = 5,
    Rejected = 6,
    Interrupted = 130,
}

impl Exit {
    /// What the code means, for `--verbose`.
    fn meaning(self) -> &'static str {
        match self {
            Exit::ClosedPipe => "standard output closed",
            Exit::Other => "failure",
            Exit::Usage => "bad usage",
            Exit::Service => "service error",
            Exit::Throttled => "throttled",
            Exit::Transport => "transport failure",
            Exit::Rejected => "rejected",
            Exit::Interrupted => "interrupted",
        }
    }
}

/// A failed command: what to say, and how to exit.
#[derive(Debug)]
pub(crate) struct Failure {
    pub(crate) exit: Exit,
    /// One line.
    pub(crate) message: String,
    /// More lines for `--verbose`.
    pub(crate) detail: Vec<String>,
}

impl Failure {
    pub(crate) fn new(exit: Exit, message: impl Into<String>) -> Self {
        Failure {
            exit,
            message: message.into(),
            detail: Vec::new(),
        }
    }

    pub(crate) fn usage(message: impl Into<String>) -> Self {
        Failure::new(Exit::Usage, message)
    }

    pub(crate) fn other(message: impl Into<String>) -> Self {
        Failure::new(Exit::Other, message)
    }

    /// Prints the failure and gives its exit code.
    pub(crate) fn report(&self, verbose: bool) -> ExitCode {
        if self.exit == Exit::ClosedPipe {
            return ExitCode::SUCCESS;
        }
        let mut text = format!("sparkrtc: error: {}\n", one_line(&self.message));
        if verbose {
            let _ = writeln!(
                text,
                "  exit code {} ({})",
                self.exit as u8,
                self.exit.meaning()
            );
            for line in &self.detail {
                let _ = writeln!(text, "  {}", one_line(line));
            }
        }
        output_to_stderr(&text);
        ExitCode::from(self.exit as u8)
    }
}

fn output_to_stderr(text: &str) {
    use std::io::Write;
    let _ = std::io::stderr().lock().write_all(text.as_bytes());
}

/// Keeps an error on its line: server text may hold line breaks.
fn one_line(text: &str) -> String {
    text.replace(['\n', '\r'], " ")
}

/// The exit code of a library error.
pub(crate) fn classify(error: &Error) -> Exit {
    match error {
        Error::UnknownOperation(_)
        | Error::InvalidParameter { .. }
        | Error::InvalidEndpoint(_)
        | Error::InvalidCredentials(_)
        | Error::InvalidHeader { .. } => Exit::Usage,
        Error::Api(api) if api.is_throttled() || api.is_quota_exhausted() => Exit::Throttled,
        Error::Api(_) => Exit::Service,
        Error::QuotaExhausted(_) => Exit::Throttled,
        Error::Transport(_) => Exit::Transport,
        // The last attempt's error says why; with none, the throttle's
        // waits alone outlasted the deadline.
        Error::DeadlineExceeded {
            last: Some(last), ..
        } => classify(last),
        Error::DeadlineExceeded { last: None, .. } => Exit::Throttled,
        // Retries refused by the client's budget: the last answer says why.
        Error::RetryBudgetExhausted { last, .. } => classify(last),
        // The throttle would have held the call longer than its bound.
        Error::Throttled { .. } => Exit::Throttled,
        _ => Exit::Other,
    }
}

impl From<Error> for Failure {
    fn from(error: Error) -> Self {
        let exit = classify(&error);
        let mut message = error.to_string();
        if let Some(meant) = error.suggestion() {
            let _ = write!(message, "; did you mean `{meant}`?");
        }
        if matches!(&error, Error::InvalidParameter { field, .. } if field == "project_id") {
            message.push_str(
                " (on the command line: --project-id, HUAWEICLOUD_SDK_PROJECT_ID or the profile's project_id)",
            );
        }
        let mut detail = Vec::new();
        // After a deadline, what the last attempt met.
        let last = match &error {
            Error::DeadlineExceeded {
                last: Some(last), ..
            } => last.as_ref(),
            other => other,
        };
        if let Some(status) = last.status() {
            detail.push(format!("HTTP status {status}"));
        }
        if let Some(api) = last.api() {
            if let Some(code) = &api.error_code {
                detail.push(format!("error code {code}"));
            }
        }
        if let Some(id) = last.request_id() {
            detail.push(format!("request id {id}"));
        }
        if let Error::Transport(t) = last {
            let fate = match t.kind() {
                TransportErrorKind::NotSent => "the request was not sent",
                _ => "the request may have reached the service",
            };
            detail.push(fate.to_owned());
        }
        let mut source = std::error::Error::source(&error);
        while let Some(cause) = source {
            detail.push(format!("caused by: {cause}"));
            source = cause.source();
        }
        Failure {
            exit,
            message,
            detail,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use sparkrtc::transport::TransportError;

    #[test]
    fn errors_map_to_exit_codes() {
        let api = |status: u16| {
            let body = br#"{"error_code":"X.1","error_msg":"m"}"#;
            let status = sparkrtc::http::StatusCode::from_u16(status).unwrap();
            Error::Api(Box::new(sparkrtc::ApiError::from_response(
                status,
                &sparkrtc::http::HeaderMap::new(),
                body,
            )))
        };
        assert_eq!(classify(&api(404)), Exit::Service);
        assert_eq!(classify(&api(500)), Exit::Service);
        assert_eq!(classify(&api(429)), Exit::Throttled);
        assert_eq!(classify(&Error::UnknownOperation("x".into())), Exit::Usage);
        let refused = Error::Transport(TransportError::not_sent("refused"));
        assert_eq!(classify(&refused), Exit::Transport);
        let deadline = |last: Option<Error>| Error::DeadlineExceeded {
            deadline: std::time::Duration::from_secs(1),
            attempts: 1,
            last: last.map(Box::new),
        };
        assert_eq!(classify(&deadline(None)), Exit::Throttled);
        assert_eq!(classify(&deadline(Some(api(503)))), Exit::Service);
        assert_eq!(classify(&deadline(Some(api(429)))), Exit::Throttled);
        let budget = |last: Error| Error::RetryBudgetExhausted {
            attempts: 2,
            last: Box::new(last),
        };
        assert_eq!(classify(&budget(api(503))), Exit::Service);
        assert_eq!(classify(&budget(refused)), Exit::Transport);
        let throttled = Error::Throttled {
            retry_after: std::time::Duration::from_secs(3),
            attempts: 1,
            last: None,
        };
        assert_eq!(classify(&throttled), Exit::Throttled);
        let failure = Failure::from(Error::UnknownOperation("ShowMixjob".into()));
        assert_eq!(
            failure.message,
            "unknown operation `ShowMixjob`; did you mean `ShowMixJob`?"
        );
        assert_eq!(one_line("a\r\nb"), "a  b");
    }
}
