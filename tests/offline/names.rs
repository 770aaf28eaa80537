//! Finding an operation by the word a user has in mind: the aliases in the
//! operation table (also `#[doc(alias)]` on each request type),
//! `dynamic::search_operations` and `dynamic::closest_operation`.

use std::collections::BTreeMap;

use sparkrtc::{dynamic, Error, OperationId};

#[test]
fn aliases_are_searchable_words_and_never_another_operations_name() {
    let mut camel: BTreeMap<String, &str> = BTreeMap::new();
    for id in OperationId::ALL {
        let info = id.info();
        assert!(!info.aliases.is_empty(), "{} has no alias", info.name);
        for alias in info.aliases {
            // What #[doc(alias)] accepts: no whitespace, no quotes.
            assert!(
                !alias.is_empty() && alias.chars().all(|c| c.is_ascii_alphanumeric() || c == '_'),
                "{}: {alias:?}",
                info.name
            );
            assert!(
                OperationId::from_name(alias).is_none(),
                "{}: alias {alias} is an operation's name",
                info.name
            );
            // A name-like alias (EnableApp) leads to one operation only.
            if alias.starts_with(|c: char| c.is_ascii_uppercase()) {
                let key = alias.to_ascii_lowercase();
                if let Some(other) = camel.insert(key, info.name) {
                    panic!("{alias} is an alias of both {other} and {}", info.name);
                }
            }
        }
    }
    assert!(camel.len() > 20, "{camel:?}");
}

#[test]
fn the_words_users_search_for() {
    use OperationId::*;
    let cases: &[(&str, &[OperationId])] = &[
        ("enable", &[StartApp]),
        ("DISABLE", &[StopApp]),
        ("kick", &[RemoveUsers]),
        ("dismiss", &[RemoveRoom]),
        ("layout", &[UpdateMixJob]),
        (
            "template",
            &[
                CreateRecordRule,
                ListRecordRules,
                ShowRecordRule,
                UpdateRecordRule,
                DeleteRecordRule,
            ],
        ),
        ("webhook", &[ShowRecordCallback, UpdateRecordCallback]),
        ("usage", &[ListRtcHistoryUsage]),
        // By the upstream name, any part of it, any case.
        (
            "mixjob",
            &[CreateMixJob, ShowMixJob, UpdateMixJob, StopMixJob],
        ),
        // By the summary.
        ("grant", &[UpdateObsBucketAuthority]),
        ("", &[]),
        ("frobnicate", &[]),
    ];
    for (word, expected) in cases {
        assert_eq!(dynamic::search_operations(word), *expected, "{word:?}");
    }
}

#[test]
fn a_name_like_alias_is_the_operation_and_the_suggestion() {
    use OperationId::*;
    for (name, id) in [
        ("EnableApp", StartApp),
        ("disableapp", StopApp),
        ("KickUsers", RemoveUsers),
        ("DismissRoom", RemoveRoom),
        ("StartMixJob", CreateMixJob),
        ("ListRooms", ListRtcRoomList),
    ] {
        assert_eq!(dynamic::closest_operation(name), Some(id), "{name}");
        let err = dynamic::operation(name).unwrap_err();
        assert!(matches!(err, Error::UnknownOperation(_)), "{err:?}");
        assert_eq!(err.suggestion(), Some(id.name()), "{name}");
    }
    // Edit distance still works where no alias matches.
    assert_eq!(dynamic::closest_operation("ShowMixjob"), Some(ShowMixJob));
    assert_eq!(dynamic::closest_operation("Frobnicate"), None);
}

#[test]
fn an_operation_displays_as_its_name() {
    for id in OperationId::ALL {
        let shown = id.to_string();
        assert_eq!(shown, id.name());
        assert_eq!(OperationId::from_name(&shown), Some(*id));
    }
    assert_eq!(OperationId::CreateMixJob.to_string(), "CreateMixJob");
}
