//! `sparkrtc call`: one operation by name, a list to its end, or the signed
//! request it would send.

use std::io::IsTerminal;
use std::sync::{mpsc, Arc};
use std::time::Duration;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use serde_json::{Map, Value};
use sparkrtc::client::Client;
use sparkrtc::http::Request;
use sparkrtc::pages::JsonPager;
use sparkrtc::redact::{redact_value, RedactedRequest};
use sparkrtc::retry::RetryPolicy;
use sparkrtc::transport::{Transport, UreqTransport};
use sparkrtc::{dynamic, Error, OperationId};

use crate::args::{CallArgs, Format, Global};
use crate::config::{self, Settings};
use crate::failure::{Exit, Failure};
use crate::output::{fields_table, items_table, list_in, Out};
use crate::params;
use crate::transport::{Capture, Observed, Unpaced};

pub(crate) fn run(global: &Global, args: CallArgs) -> Result<(), Failure> {
    let id = dynamic::operation(&args.operation)?;
    let fields = dynamic::fields(id.name())?;
    let params = params::collect(&fields, args.json.as_deref(), &args.params)?;
    // The library reads the parameters before anything is sent or even
    // configured: a typo is named (with the name meant) at once.
    id.normalize_json(&params)?;
    if args.all_pages && id.info().items.is_none() {
        let lists: Vec<&str> = OperationId::ALL
            .iter()
            .filter(|op| op.info().items.is_some())
            .map(|op| op.name())
            .collect();
        return Err(Failure::usage(format!(
            "{id} is not a list operation that pages: --all-pages applies to {}",
            lists.join(", ")
        )));
    }
    let settings = config::settings(global, &args.connection)?;
    if args.dry_run {
        return dry_run(global, id, &params, settings);
    }
    let credentials = settings.credentials.ok_or_else(|| {
        Failure::usage(
            "no credentials: set HUAWEICLOUD_SDK_AK and HUAWEICLOUD_SDK_SK, give --ak and \
             --sk-file, or write a profile with `sparkrtc configure`",
        )
    })?;
    let retries = if args.policy.no_retry {
        Some(0)
    } else {
        args.policy.retries
    };
    let mut policy = RetryPolicy::default();
    if let Some(retries) = retries {
        policy = policy.with_max_attempts(retries.saturating_add(1));
    }
    let mut builder = Client::builder(Observed::new(UreqTransport::default(), global.verbose))
        .endpoint(settings.endpoint)
        .credentials(credentials)
        .retry(policy)
        .deadline(args.policy.deadline);
    if args.policy.no_throttle {
        builder = builder.pacer(Arc::new(Unpaced));
    }
    let client = builder.build()?;
    let show = Show {
        format: global.output.unwrap_or(Format::Json),
        columns: args.columns,
        show_secrets: args.show_secrets,
        items_field: id.info().items,
    };
    if args.all_pages {
        return all_pages(global, id, &params, client, &show);
    }
    let result = client.call_json(id.name(), &params);
    if global.verbose {
        if let Some((status, request_id)) = client.transport().last() {
            eprintln!(
                "sparkrtc: {id}: HTTP {status}, request id {}",
                request_id.as_deref().unwrap_or("-")
            );
        }
    }
    show.result(&mut Out::new(), result?)
}

/// How a result is printed.
struct Show {
    format: Format,
    columns: Vec<String>,
    show_secrets: bool,
    items_field: Option<&'static str>,
}

impl Show {
    fn redacted(&self, mut value: Value) -> Value {
        if !self.show_secrets {
            redact_value(&mut value);
        }
        value
    }

    fn result(&self, out: &mut Out, value: Value) -> Result<(), Failure> {
        let value = self.redacted(value);
        match self.format {
            Format::Json => out.json(&value),
            Format::Jsonl => match list_in(&value, self.items_field) {
                Some(items) => items.iter().try_for_each(|item| out.json_line(item)),
                None => out.json_line(&value),
            },
            Format::Table => match (list_in(&value, self.items_field), value.as_object()) {
                (Some(items), _) => out.table(items_table(items, &self.columns)),
                (None, Some(object)) => out.table(fields_table(object)),
                (None, None) => out.json(&value),
            },
        }
    }
}

/// What the paging thread tells the printing one.
enum Message {
    Page(Vec<Value>),
    Failed(Error),
    Done,
    Interrupted,
}

/// Every item of a list, page after page. The pages are fetched on a
/// thread of their own; this one prints, so that Ctrl-C (even during a
/// throttle wait) stops at once with every printed line whole.
fn all_pages<T: Transport + Send + Sync + 'static>(
    global: &Global,
    id: OperationId,
    params: &Value,
    client: Client<T>,
    show: &Show,
) -> Result<(), Failure> {
    let mut pager = JsonPager::new(id.name(), params)?;
    let (tx, rx) = mpsc::channel();
    let on_interrupt = tx.clone();
    ctrlc::set_handler(move || {
        let _ = on_interrupt.send(Message::Interrupted);
    })
    .map_err(|e| Failure::other(format!("cannot handle Ctrl-C: {e}")))?;
    std::thread::spawn(move || {
        while let Some(next) = pager.next_params() {
            let page = client
                .call_json(id.name(), &next)
                .and_then(|output| pager.on_page(&output));
            let message = match page {
                Ok(Some(items)) => Message::Page(items),
                Ok(None) => continue,
                Err(e) => Message::Failed(e),
            };
            let failed = matches!(message, Message::Failed(_));
            if tx.send(message).is_err() || failed {
                return;
            }
        }
        let _ = tx.send(Message::Done);
    });

    let progress = (std::io::stderr().is_terminal() && !global.verbose).then(|| {
        let bar = ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr());
        bar.set_style(
            ProgressStyle::with_template("{spinner} {msg} {elapsed}")
                .unwrap_or_else(|_| ProgressStyle::default_spinner()),
        );
        bar.set_message(format!("{id}: 0 pages, 0 items"));
        bar.enable_steady_tick(Duration::from_millis(120));
        bar
    });
    let mut out = Out::new();
    let mut table: Vec<Value> = Vec::new();
    let (mut pages, mut items) = (0u64, 0u64);
    let ended = loop {
        let message = rx.recv().unwrap_or(Message::Done);
        match message {
            Message::Page(list) => {
                pages += 1;
                let printed = list.into_iter().try_for_each(|item| {
                    let item = show.redacted(item);
                    items += 1;
                    if show.format == Format::Table {
                        table.push(item);
                        Ok(())
                    } else {
                        out.json_line(&item)
                    }
                });
                if let Err(failure) = printed {
                    break Err(failure);
                }
                if let Some(bar) = &progress {
                    bar.set_message(format!("{id}: {pages} pages, {items} items"));
                }
            }
            Message::Done => break Ok(()),
            Message::Failed(e) => break Err(Failure::from(e)),
            Message::Interrupted => {
                break Err(Failure::new(
                    Exit::Interrupted,
                    format!("interrupted after {pages} pages, {items} items"),
                ))
            }
        }
    };
    if let Some(bar) = progress {
        bar.finish_and_clear();
    }
    if show.format == Format::Table && !table.is_empty() {
        out.table(items_table(&table, &show.columns))?;
    }
    if global.verbose && ended.is_ok() {
        eprintln!("sparkrtc: {id}: {pages} pages, {items} items");
    }
    ended
}

/// `--dry-run`: the request the client would send, signed, with its
/// secrets hidden; nothing is sent. Without credentials it is shown
/// unsigned.
fn dry_run(
    global: &Global,
    id: OperationId,
    params: &Value,
    settings: Settings,
) -> Result<(), Failure> {
    let request = match settings.credentials {
        Some(credentials) => {
            let client = Client::builder(Capture::default())
                .endpoint(settings.endpoint)
                .credentials(credentials)
                .retry(RetryPolicy::never())
                .pacer(Arc::new(Unpaced))
                .build()?;
            match client.call_json(id.name(), params) {
                Err(Error::Transport(_)) => {}
                Err(e) => return Err(e.into()),
                Ok(_) => return Err(Failure::other("the dry run sent a request")),
            }
            client
                .transport()
                .take()
                .ok_or_else(|| Failure::other("the dry run built no request"))?
        }
        None => {
            eprintln!("sparkrtc: no credentials: the request is shown unsigned");
            let endpoint = match settings.project_id {
                Some(project) if settings.endpoint.project_id().is_none() => {
                    settings.endpoint.with_project_id(project)?
                }
                _ => settings.endpoint,
            };
            id.build_json(params, &endpoint)?
        }
    };
    show_request(global, &request)
}

fn show_request(global: &Global, request: &Request<Vec<u8>>) -> Result<(), Failure> {
    let shown = RedactedRequest::new(request);
    let mut out = Out::new();
    match global.output.unwrap_or(Format::Json) {
        Format::Table => out.write(&format!("{shown}\n")),
        format => {
            let headers: Map<String, Value> = shown
                .headers
                .iter()
                .map(|(name, value)| (name.clone(), Value::String(value.clone())))
                .collect();
            let body = if shown.body.is_empty() {
                Value::Null
            } else {
                serde_json::from_str(&shown.body)
                    .unwrap_or_else(|_| Value::String(shown.body.clone()))
            };
            let mut value = Map::new();
            value.insert("method".into(), shown.method.clone().into());
            value.insert("url".into(), shown.url.clone().into());
            value.insert("headers".into(), Value::Object(headers));
            value.insert("body".into(), body);
            let value = Value::Object(value);
            if format == Format::Jsonl {
                out.json_line(&value)
            } else {
                out.json(&value)
            }
        }
    }
}
