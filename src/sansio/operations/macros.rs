//! The macro behind the operation table.

/// Declares every operation: one entry per endpoint holds all of its facts.
/// From the table it generates the request structs, their
/// [`Operation`](crate::Operation) impls, [`OperationId`](crate::OperationId)
/// and its metadata, and the dynamic (JSON) dispatch.
///
/// An entry:
///
/// ```text
/// Name {
///     summary: "One line.",
///     aliases: ["enable", "EnableApp"],  // words users search for; default: none
///     /// Optional longer docs.
///     method: GET,
///     path: "/v2/apps/{app_id}/...",
///     category: ThrottleCategoryVariant,
///     retry_safe: false,                 // default: true
///     path_params: [ /// docs
///                    app_id ],           // default: none
///     project_id: optional,              // the path's {project_id} may be overridden
///     query: [ name as "wire": Type ],   // required query parameters; default: none
///     optional: [ limit: u32 [1..=100] ],// optional query parameters, with a documented range
///     body: BodyModel,                   // default: no body
///     output: OutputModel,
///     pages: { offset: PageNumber,       // a list paged by offset/limit:
///              items: apps: App,         // where the items are,
///              total: count },           // and the total, if the answer has one
/// }
/// ```
macro_rules! operations {
    (
        $(
            $name:ident {
                summary: $summary:literal,
                $( aliases: [ $($alias:literal),* $(,)? ], )?
                $(#[doc = $doc:literal])*
                method: $method:ident,
                path: $path:literal,
                category: $category:ident,
                $( retry_safe: $retry_safe:literal, )?
                $( path_params: [ $( $(#[doc = $pdoc:literal])* $p:ident ),* $(,)? ], )?
                $( project_id: $project_scoped:ident, )?
                $( query: [ $(
                    $(#[doc = $qdoc:literal])*
                    $q:ident $(as $qwire:literal)? : $qty:ty $([ $($qrange:tt)* ])?
                ),* $(,)? ], )?
                $( optional: [ $(
                    $(#[doc = $odoc:literal])*
                    $o:ident $(as $owire:literal)? : $oty:ty $([ $($orange:tt)* ])?
                ),* $(,)? ], )?
                $( body: $body:ident, )?
                output: $output:ty,
                $( pages: {
                    offset: $pkind:ident,
                    items: $pitems:ident : $pitem:ty
                    $(, total: $ptotal:ident)? $(,)?
                }, )?
            }
        )+
    ) => {
        $(
            #[doc = concat!($summary, "\n")]
            $(#[doc = $doc])*
            $($(#[doc(alias = $alias)])*)?
            #[doc = concat!(
                "\n\n`", stringify!($method), " ", $path, "` · upstream name `", stringify!($name),
                "` · throttle category [`", stringify!($category), "`](crate::throttle::ThrottleCategory::",
                stringify!($category), ") · safe to retry: ", first_or!($($retry_safe)?, true),
                " · response body: [`", stringify!($output), "`]."
            )]
            ///
            /// Required parameters go through `new`, optional ones through the
            /// chained setters. Serializes in the shape of the official SDK's
            /// request model (path and query parameters by wire name, the body
            /// under `body`), which the [dynamic entry point](crate::dynamic) reads.
            #[derive(Clone, Debug, PartialEq, ::serde::Serialize, ::serde::Deserialize)]
            #[cfg_attr(feature = "arbitrary", derive(::arbitrary::Arbitrary))]
            #[non_exhaustive]
            pub struct $name {
                $($( $(#[doc = $pdoc])* pub $p: String, )*)?
                $($( $(#[doc = $qdoc])* $(#[serde(rename = $qwire)])? pub $q: $qty, )*)?
                $($(
                    $(#[doc = $odoc])*
                    $(#[serde(rename = $owire)])?
                    #[serde(default, skip_serializing_if = "Option::is_none")]
                    pub $o: Option<$oty>,
                )*)?
                $(
                    #[doc = "Overrides the endpoint's project id in the path (the SDK's `project_id`"]
                    #[doc = "path parameter). `X-Project-Id` still names the endpoint's, as in the SDK."]
                    #[serde(default, skip_serializing_if = "Option::is_none")]
                    pub project_id: second!($project_scoped, Option<String>),
                )?
                $( #[doc = "The request body."] pub body: $body, )?
            }

            #[allow(clippy::new_without_default, clippy::too_many_arguments)]
            impl $name {
                /// Creates the request from its required parameters (in path,
                /// query, body order).
                pub fn new(
                    $($( $p: impl Into<String>, )*)?
                    $($( $q: impl $crate::model::IntoField<$qty>, )*)?
                    $( body: $body, )?
                ) -> Self {
                    #[allow(unused_imports)]
                    use $crate::model::IntoField;
                    $name {
                        $($( $p: $p.into(), )*)?
                        $($( $q: $q.into_field(), )*)?
                        $($( $o: None, )*)?
                        $( project_id: second!($project_scoped, None), )?
                        $( body: { let b: $body = body; b }, )?
                    }
                }

                $(
                    #[doc = second!($project_scoped, "Overrides the endpoint's project id in the path.")]
                    pub fn project_id(mut self, project_id: impl Into<String>) -> Self {
                        self.project_id = Some(project_id.into());
                        self
                    }
                )?

                $($(
                    $(#[doc = $odoc])*
                    pub fn $o(mut self, value: impl $crate::model::IntoField<$oty>) -> Self {
                        self.$o = Some($crate::model::IntoField::into_field(value));
                        self
                    }
                )*)?
            }

            impl $crate::sansio::operations::Plumbing for $name {
                fn path_param(&self, name: &str) -> Option<&str> {
                    match name {
                        $($( stringify!($p) => Some(&self.$p), )*)?
                        _ => None,
                    }
                }

                fn query_pairs<'a>(&'a self, out: &mut Vec<$crate::sansio::wire::encoding::QueryPair<'a>>) {
                    #[allow(unused_imports)]
                    use $crate::sansio::wire::encoding::QueryValue;
                    let _ = &out;
                    $($( self.$q.append_to(wire_name!($q $(, $qwire)?), out); )*)?
                    $($( self.$o.append_to(wire_name!($o $(, $owire)?), out); )*)?
                }

                fn write_body(&self, out: &mut Vec<u8>) -> Result<bool, $crate::Error> {
                    $(
                        let body: &$body = &self.body;
                        $crate::sansio::operations::serialize_body(body, out)?;
                    )?
                    let _ = &out;
                    Ok(has_body!($($body)?))
                }

                fn validate(&self, checks: $crate::sansio::model::rules::Checks) -> Result<(), $crate::Error> {
                    #[allow(unused_imports)]
                    use $crate::sansio::model::rules::{require, Field, FieldPath};
                    let _ = &checks;
                    $($( require(&FieldPath::root(stringify!($p)), &self.$p, checks)?; )*)?
                    $($(
                        let field = FieldPath::root(wire_name!($q $(, $qwire)?));
                        require(&field, &self.$q, checks)?;
                        $( check_range!(&field, &self.$q, checks; $($qrange)*)?; )?
                    )*)?
                    $($(
                        if let Some(value) = &self.$o {
                            let field = FieldPath::root(wire_name!($o $(, $owire)?));
                            value.check(&field, checks)?;
                            $( check_range!(&field, value, checks; $($orange)*)?; )?
                        }
                    )*)?
                    $( require(&FieldPath::root("body"), second!($body, &self.body), checks)?; )?
                    Ok(())
                }

                fn project_id_override(&self) -> Option<&str> {
                    project_id_override!(self $(, $project_scoped)?)
                }
            }

            impl $name {
                /// Reads the query parameters of a request, by wire name, into `out`.
                pub(crate) fn decode_query(
                    pairs: &[(String, String)],
                    out: &mut ::serde_json::Map<String, ::serde_json::Value>,
                ) -> Result<(), $crate::dynamic::RequestError> {
                    #[allow(unused_imports)]
                    use $crate::sansio::operations::incoming::put_query;
                    let _ = (&pairs, &out);
                    $($( put_query::<$qty>(wire_name!($q $(, $qwire)?), true, pairs, out)?; )*)?
                    $($( put_query::<$oty>(wire_name!($o $(, $owire)?), false, pairs, out)?; )*)?
                    Ok(())
                }
            }

            impl $crate::Operation for $name {
                const ID: $crate::OperationId = $crate::OperationId::$name;
                type Output = $output;
            }

            $(
                impl $crate::pages::Paginated for $name {
                    type Item = $pitem;
                    const OFFSET: $crate::pages::PageOffset = $crate::pages::PageOffset::$pkind;

                    fn page_params(&self) -> (Option<u32>, Option<u32>) {
                        (self.offset, self.limit)
                    }

                    fn with_offset(&self, offset: u32) -> Self {
                        let mut next = self.clone();
                        next.offset = Some(offset);
                        next
                    }

                    fn items(output: &$output) -> &[$pitem] {
                        &output.$pitems
                    }

                    fn total(output: &$output) -> Option<i64> {
                        let _ = output;
                        $( return output.$ptotal; )?
                        #[allow(unreachable_code)]
                        None
                    }
                }
            )?
        )+

        // In a module of its own, so that `ops` holds only the request types.
        pub(crate) mod id {
        #![allow(unused_imports)]
        use super::*;

        /// Identifies one of the API's operations; carries its metadata.
        ///
        /// ```
        /// use sparkrtc::throttle::ThrottleCategory;
        /// use sparkrtc::OperationId;
        ///
        /// let op = OperationId::from_name("ShowMixJob").unwrap();
        /// assert_eq!(op.method(), http::Method::GET);
        /// assert_eq!(op.path_template(), "/v2/apps/{app_id}/mix-stream-jobs/{job_id}");
        /// assert_eq!(op.category(), ThrottleCategory::MixStreamJobManagement);
        /// assert!(op.retry_safe());
        /// ```
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        #[non_exhaustive]
        pub enum OperationId {
            $( #[doc = $summary] $name, )+
        }

        static OPERATIONS: &[$crate::OperationInfo] = &[
            $(
                $crate::OperationInfo {
                    id: OperationId::$name,
                    name: stringify!($name),
                    summary: $summary,
                    aliases: &[ $($($alias),*)? ],
                    method: ::http::Method::$method,
                    path: $path,
                    category: $crate::throttle::ThrottleCategory::$category,
                    retry_safe: first_or!($($retry_safe)?, true),
                    has_body: has_body!($($body)?),
                    params: &[
                        $($(
                            $crate::ParamInfo {
                                name: stringify!($p),
                                location: $crate::ParamLocation::Path,
                                required: true,
                                type_name: "String",
                                doc: concat!($($pdoc),*).trim_ascii(),
                                range: None,
                            },
                        )*)?
                        $($(
                            $crate::ParamInfo {
                                name: wire_name!($q $(, $qwire)?),
                                location: $crate::ParamLocation::Query,
                                required: true,
                                type_name: stringify!($qty),
                                doc: concat!($($qdoc),*).trim_ascii(),
                                range: some_text!($($($qrange)*)?),
                            },
                        )*)?
                        $(
                            $crate::ParamInfo {
                                name: "body",
                                location: $crate::ParamLocation::Body,
                                required: true,
                                type_name: stringify!($body),
                                doc: "The request body.",
                                range: None,
                            },
                        )?
                        $($(
                            $crate::ParamInfo {
                                name: wire_name!($o $(, $owire)?),
                                location: $crate::ParamLocation::Query,
                                required: false,
                                type_name: stringify!($oty),
                                doc: concat!($($odoc),*).trim_ascii(),
                                range: some_text!($($($orange)*)?),
                            },
                        )*)?
                        $(
                            $crate::ParamInfo {
                                name: "project_id",
                                location: $crate::ParamLocation::Path,
                                required: false,
                                type_name: second!($project_scoped, "String"),
                                doc: "Overrides the endpoint's project id in the path.",
                                range: None,
                            },
                        )?
                    ],
                    items: some_text!($($pitems)?),
                },
            )+
        ];

        impl OperationId {
            /// Every operation, in declaration order.
            pub const ALL: &'static [OperationId] = &[ $( OperationId::$name ),+ ];

            /// The operation's metadata.
            pub fn info(self) -> &'static $crate::OperationInfo {
                &OPERATIONS[self as usize]
            }

            /// Looks an operation up by its upstream name (`CreateMixJob`).
            pub fn from_name(name: &str) -> Option<OperationId> {
                match name {
                    $( stringify!($name) => Some(OperationId::$name), )+
                    _ => None,
                }
            }

            /// Builds this operation's request from JSON parameters in the
            /// official SDK's request-model shape. See [`crate::dynamic`].
            pub fn build_json(
                self,
                params: &::serde_json::Value,
                endpoint: &$crate::Endpoint,
            ) -> Result<::http::Request<Vec<u8>>, $crate::Error> {
                match self {
                    $( OperationId::$name => $crate::dynamic::build_as::<super::$name>(params, endpoint), )+
                }
            }

            /// Turns JSON parameters into the typed request, re-serialized:
            /// what [`build_json`](Self::build_json) would send, normalized.
            pub fn normalize_json(
                self,
                params: &::serde_json::Value,
            ) -> Result<::serde_json::Value, $crate::Error> {
                match self {
                    $( OperationId::$name => $crate::dynamic::normalize_as::<super::$name>(params), )+
                }
            }

            /// Reads a request's query into the parameters (see
            /// [`crate::dynamic::decode_request`]).
            pub(crate) fn decode_query(
                self,
                pairs: &[(String, String)],
                out: &mut ::serde_json::Map<String, ::serde_json::Value>,
            ) -> Result<(), $crate::dynamic::RequestError> {
                match self {
                    $( OperationId::$name => super::$name::decode_query(pairs, out), )+
                }
            }

            /// Reads parameters strictly and checks them as `build` does.
            pub(crate) fn check_params(
                self,
                params: &::serde_json::Value,
            ) -> Result<::serde_json::Value, $crate::dynamic::RequestError> {
                match self {
                    $( OperationId::$name => $crate::sansio::operations::incoming::check_as::<super::$name>(params), )+
                }
            }

            /// What this operation's request type reads at `path`.
            pub(crate) fn probe(
                self,
                path: &[$crate::sansio::operations::fields::Seg<'_>],
            ) -> Option<$crate::sansio::operations::fields::Found> {
                match self {
                    $( OperationId::$name => $crate::sansio::operations::fields::probe::<super::$name>(path), )+
                }
            }

            /// A pager over this list operation from JSON parameters, or
            /// `None` when the operation does not page.
            pub(crate) fn json_pager(
                self,
                params: &::serde_json::Value,
            ) -> Result<Option<$crate::pages::JsonPager>, $crate::Error> {
                match self {
                    $( OperationId::$name => json_pager!(super::$name, params $(, $pkind)?), )+
                }
            }

            /// An arbitrary request of this operation (feature `arbitrary`):
            /// the typed request drawn from `u`, its parameters in the SDK
            /// request shape, and what [`build`](crate::Operation::build)
            /// makes of it for `endpoint` (a request, or the crate's typed
            /// error; never a panic).
            #[cfg(feature = "arbitrary")]
            #[cfg_attr(docsrs, doc(cfg(feature = "arbitrary")))]
            pub fn arbitrary_request(
                self,
                u: &mut ::arbitrary::Unstructured<'_>,
                endpoint: &$crate::Endpoint,
            ) -> ::arbitrary::Result<$crate::ArbitraryRequest> {
                match self {
                    $( OperationId::$name => $crate::ArbitraryRequest::of::<super::$name>(u, endpoint), )+
                }
            }

            /// Parses a response of this operation into the typed output,
            /// re-serialized as JSON. See [`crate::dynamic`].
            pub fn parse_json(
                self,
                status: ::http::StatusCode,
                headers: &::http::HeaderMap,
                body: &[u8],
            ) -> Result<::serde_json::Value, $crate::Error> {
                match self {
                    $( OperationId::$name => $crate::dynamic::parse_as::<super::$name>(status, headers, body), )+
                }
            }
        }
        }
    };
}

/// The request's own project id (`project_id: optional` entries), or none.
macro_rules! project_id_override {
    ($self:ident) => {
        None
    };
    ($self:ident, $flag:ident) => {
        $self.project_id.as_deref()
    };
}

/// The wire name of a parameter: its `as "..."` rename, or its identifier.
macro_rules! wire_name {
    ($field:ident) => {
        stringify!($field)
    };
    ($field:ident, $wire:literal) => {
        $wire
    };
}

/// Expands to its second argument; lets an optional table flag drive a
/// repetition without appearing in the output.
macro_rules! second {
    ($ignored:tt, $($out:tt)*) => {
        $($out)*
    };
}

/// The given value, or the default when the table leaves it out.
macro_rules! first_or {
    ($value:literal, $default:literal) => {
        $value
    };
    (, $default:literal) => {
        $default
    };
}

/// `Some("the tokens as text")`, or `None` when there are none.
macro_rules! some_text {
    () => {
        None
    };
    ($($t:tt)+) => {
        Some(stringify!($($t)+))
    };
}

/// The dynamic pager of a list operation (`pages:` in the table), or none.
macro_rules! json_pager {
    ($ty:path, $params:ident) => {{
        let _ = $params;
        Ok(None)
    }};
    ($ty:path, $params:ident, $kind:ident) => {
        $crate::pages::JsonPager::of::<$ty>($params).map(Some)
    };
}

macro_rules! has_body {
    () => {
        false
    };
    ($body:ident) => {
        true
    };
}
