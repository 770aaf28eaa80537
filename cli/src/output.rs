//! Printing results: JSON (pretty on a terminal, compact otherwise), JSON
//! Lines, tables.

use std::io::{self, IsTerminal, Write};

use comfy_table::presets::{ASCII_MARKDOWN, UTF8_FULL_CONDENSED};
use comfy_table::{ContentArrangement, Table};
use serde_json::{Map, Value};

use crate::failure::{Exit, Failure};

/// Most columns a table of items gets unless `--columns` names them.
const MAX_COLUMNS: usize = 8;

/// Standard output, with a broken pipe (`| head`) ending the command
/// quietly.
pub(crate) struct Out {
    stdout: io::Stdout,
    terminal: bool,
}

impl Out {
    pub(crate) fn new() -> Self {
        let stdout = io::stdout();
        let terminal = stdout.is_terminal();
        Out { stdout, terminal }
    }

    /// Writes `text` and flushes: a whole line or nothing reaches a reader
    /// that stops the command.
    pub(crate) fn write(&mut self, text: &str) -> Result<(), Failure> {
        let mut lock = self.stdout.lock();
        lock.write_all(text.as_bytes())
            .and_then(|()| lock.flush())
            .map_err(write_failure)
    }

    /// One JSON document: pretty on a terminal, compact otherwise.
    pub(crate) fn json(&mut self, value: &Value) -> Result<(), Failure> {
        let text = if self.terminal {
            serde_json::to_string_pretty(value)
        } else {
            serde_json::to_string(value)
        }
        .map_err(|e| Failure::other(format!("cannot print the result: {e}")))?;
        self.write(&(text + "\n"))
    }

    /// One JSON value on one line.
    pub(crate) fn json_line(&mut self, value: &Value) -> Result<(), Failure> {
        self.write(&(value.to_string() + "\n"))
    }

    /// A table, in box characters on a terminal (fitted to its width),
    /// Markdown otherwise.
    pub(crate) fn table(&mut self, mut table: Table) -> Result<(), Failure> {
        if self.terminal {
            table
                .load_style(UTF8_FULL_CONDENSED)
                .set_content_arrangement(ContentArrangement::Dynamic);
        } else {
            table.load_style(ASCII_MARKDOWN);
        }
        self.write(&format!("{table}\n"))
    }
}

/// A failed write: a closed pipe ends the command quietly (the reader has
/// what it wanted); anything else is a failure.
fn write_failure(e: io::Error) -> Failure {
    if e.kind() == io::ErrorKind::BrokenPipe {
        Failure::new(Exit::ClosedPipe, "standard output closed")
    } else {
        Failure::other(format!("cannot write to standard output: {e}"))
    }
}

/// The value at a dotted path (`state.state`).
fn at_path<'v>(value: &'v Value, path: &str) -> Option<&'v Value> {
    path.split('.').try_fold(value, |v, key| v.get(key))
}

/// A cell: strings as they are, null empty, other values as compact JSON.
fn cell(value: Option<&Value>) -> String {
    match value {
        None | Some(Value::Null) => String::new(),
        Some(Value::String(s)) => s.clone(),
        Some(other) => other.to_string(),
    }
}

/// The default columns of a list's items: the fields that hold a scalar
/// somewhere, in order of appearance; objects holding a `state` field
/// (an application's state) show it.
pub(crate) fn default_columns(items: &[Value]) -> Vec<String> {
    let mut columns: Vec<String> = Vec::new();
    for item in items {
        let Value::Object(map) = item else { continue };
        for (key, value) in map {
            let column = match value {
                Value::Object(inner) if matches!(inner.get("state"), Some(v) if !v.is_object()) => {
                    format!("{key}.state")
                }
                Value::Object(_) | Value::Array(_) => continue,
                _ => key.clone(),
            };
            if !columns.contains(&column) {
                columns.push(column);
            }
        }
    }
    columns.truncate(MAX_COLUMNS);
    columns
}

/// A table of items: one row each, the given columns (or the defaults).
pub(crate) fn items_table(items: &[Value], columns: &[String]) -> Table {
    let columns = if columns.is_empty() {
        default_columns(items)
    } else {
        columns.to_vec()
    };
    let mut table = Table::new();
    table.set_header(columns.iter().map(String::as_str));
    for item in items {
        let row: Vec<String> = if item.is_object() {
            columns.iter().map(|c| cell(at_path(item, c))).collect()
        } else {
            vec![cell(Some(item))]
        };
        table.add_row(row);
    }
    table
}

/// A table of an object's fields: one row each, nested values as JSON.
pub(crate) fn fields_table(object: &Map<String, Value>) -> Table {
    let mut table = Table::new();
    table.set_header(["field", "value"]);
    for (key, value) in object {
        table.add_row([key.clone(), cell(Some(value))]);
    }
    table
}

/// The list a result holds: the field the operation table names, or else
/// its one field that is a list.
pub(crate) fn list_in<'v>(result: &'v Value, items_field: Option<&str>) -> Option<&'v [Value]> {
    let object = result.as_object()?;
    if let Some(field) = items_field {
        return Some(
            object
                .get(field)
                .and_then(Value::as_array)
                .map_or(&[], Vec::as_slice),
        );
    }
    let mut lists = object.values().filter_map(Value::as_array);
    match (lists.next(), lists.next()) {
        (Some(list), None) => Some(list.as_slice()),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn columns_and_cells() {
        let items = [
            json!({"app_id": "a", "state": {"state": "ACTIVATION", "update_time": "t"}, "authentication": {"app_key": "k"}, "n": 1}),
            json!({"app_id": "b", "extra": null, "tags": [1]}),
        ];
        assert_eq!(
            default_columns(&items),
            ["app_id", "n", "state.state", "extra"]
        );
        let table = items_table(&items, &[]);
        let text = table.to_string();
        assert!(text.contains("ACTIVATION"), "{text}");
        assert!(!text.contains('k') || !text.contains("app_key"), "{text}");
        let chosen = items_table(&items, &["tags".into(), "authentication.app_key".into()]);
        let rows: Vec<Vec<String>> = chosen
            .row_iter()
            .map(|r| r.cell_iter().map(|c| c.content()).collect())
            .collect();
        assert_eq!(
            rows,
            [
                vec!["".to_owned(), "k".to_owned()],
                vec!["[1]".to_owned(), "".to_owned()]
            ]
        );
        assert_eq!(cell(Some(&json!(true))), "true");
        assert_eq!(cell(Some(&json!({"a": 1}))), r#"{"a":1}"#);
    }

    #[test]
    fn lists_in_results() {
        let result = json!({"count": 2, "apps": [{"a": 1}], "X-Request-Id": "r"});
        assert_eq!(list_in(&result, Some("apps")).unwrap().len(), 1);
        assert_eq!(list_in(&result, None).unwrap().len(), 1);
        assert_eq!(
            list_in(&json!({"count": 0}), Some("apps")).unwrap().len(),
            0
        );
        assert!(list_in(&json!({"a": [], "b": []}), None).is_none());
        assert!(list_in(&json!([1]), None).is_none());
    }
}
