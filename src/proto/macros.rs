//! The two declarative macros behind the endpoint table and the value sets.

/// Declares a string value set with an `Unknown(String)` fallback, so a value
/// the service adds later parses instead of failing.
///
/// Generates `as_str`, `KNOWN`, `From<&str>`, `From<String>`, `Display`,
/// serde (as a plain JSON string, no allocation for known values) and
/// [`QueryValue`](crate::proto::encoding::QueryValue).
macro_rules! string_enum {
    (
        $(#[$meta:meta])*
        pub enum $name:ident {
            $( $(#[$vmeta:meta])* $variant:ident = $wire:literal $(| $alias:literal)*, )+
        }
    ) => {
        $(#[$meta])*
        #[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum $name {
            $( $(#[$vmeta])* #[doc = concat!("`", $wire, "`")] $variant, )+
            /// A value this version of the crate does not know, kept verbatim.
            Unknown(String),
        }

        impl $name {
            /// Every documented value.
            pub const KNOWN: &'static [$name] = &[$($name::$variant),+];

            /// The value as sent on the wire.
            pub fn as_str(&self) -> &str {
                match self {
                    $( $name::$variant => $wire, )+
                    $name::Unknown(s) => s,
                }
            }

            fn from_known(s: &str) -> Option<Self> {
                match s {
                    $( $wire $(| $alias)* => Some($name::$variant), )+
                    _ => None,
                }
            }
        }

        impl From<&str> for $name {
            fn from(s: &str) -> Self {
                Self::from_known(s).unwrap_or_else(|| $name::Unknown(s.to_owned()))
            }
        }

        impl From<String> for $name {
            fn from(s: String) -> Self {
                Self::from_known(&s).unwrap_or($name::Unknown(s))
            }
        }

        impl ::std::fmt::Display for $name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl ::serde::Serialize for $name {
            fn serialize<S: ::serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(self.as_str())
            }
        }

        impl<'de> ::serde::Deserialize<'de> for $name {
            fn deserialize<D: ::serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                struct V;
                impl ::serde::de::Visitor<'_> for V {
                    type Value = $name;
                    fn expecting(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                        f.write_str(concat!("a string (", stringify!($name), ")"))
                    }
                    fn visit_str<E: ::serde::de::Error>(self, v: &str) -> Result<$name, E> {
                        Ok($name::from(v))
                    }
                    fn visit_string<E: ::serde::de::Error>(self, v: String) -> Result<$name, E> {
                        Ok($name::from(v))
                    }
                    // Lenient: a number where a string is documented reads as its text.
                    fn visit_u64<E: ::serde::de::Error>(self, v: u64) -> Result<$name, E> {
                        Ok($name::from(v.to_string()))
                    }
                    fn visit_i64<E: ::serde::de::Error>(self, v: i64) -> Result<$name, E> {
                        Ok($name::from(v.to_string()))
                    }
                }
                d.deserialize_any(V)
            }
        }

        impl $crate::proto::encoding::QueryValue for $name {
            fn append_to<'a>(
                &'a self,
                key: &'static str,
                out: &mut Vec<$crate::proto::encoding::QueryPair<'a>>,
            ) {
                out.push((key, ::std::borrow::Cow::Borrowed(self.as_str())));
            }
        }

        impl $crate::proto::encoding::Presence for $name {
            fn is_missing(&self) -> bool {
                self.as_str().is_empty()
            }
        }

        impl $crate::proto::model::Lenient for $name {
            fn deserialize_lenient<'de, D: ::serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                ::serde::Deserialize::deserialize(d)
            }
        }

        impl $crate::proto::model::Placeholder for $name {
            fn placeholder() -> Self {
                $name::Unknown(String::new())
            }
        }
    };
}

/// Declares every operation: one entry per endpoint holds all of its facts
/// (method, path, throttle category, retry safety, parameters, body, output,
/// extra checks). From the table it generates the request structs, their
/// [`Operation`](crate::Operation) impls, [`OperationId`](crate::OperationId)
/// and its metadata, and the dynamic (JSON) dispatch.
macro_rules! operations {
    (
        $(
            $name:ident {
                summary: $summary:literal,
                $(#[doc = $doc:literal])*
                method: $method:ident,
                path: $path:literal,
                category: $category:ident,
                retry_safe: $retry_safe:literal,
                path_params: [ $( $(#[doc = $pdoc:literal])* $p:ident ),* $(,)? ],
                $( project_id: $project_scoped:ident, )?
                query: [ $( $(#[doc = $qdoc:literal])* $q:ident $(as $qwire:literal)? : $qty:ty ),* $(,)? ],
                optional: [ $( $(#[doc = $odoc:literal])* $o:ident $(as $owire:literal)? : $oty:ty ),* $(,)? ],
                body: [ $( $body:ident )? ],
                output: $output:ty,
                $( check: $check:expr, )?
            }
        )+
    ) => {
        $(
            #[doc = concat!($summary, "\n")]
            $(#[doc = $doc])*
            #[doc = concat!(
                "\n\n`", stringify!($method), " ", $path, "` · upstream name `", stringify!($name),
                "` · throttle category [`", stringify!($category), "`](crate::ThrottleCategory::",
                stringify!($category), ") · safe to retry: ", stringify!($retry_safe),
                " · response body: [`", stringify!($output), "`]."
            )]
            ///
            /// Required parameters go through `new`, optional ones through the
            /// chained setters. Serializes in the shape of the official SDK's
            /// request model (path and query parameters by wire name, the body
            /// under `body`), which the [dynamic entry point](crate::dynamic) reads.
            #[derive(Clone, Debug, PartialEq, ::serde::Serialize, ::serde::Deserialize)]
            #[non_exhaustive]
            pub struct $name {
                $( $(#[doc = $pdoc])* pub $p: String, )*
                $( $(#[doc = $qdoc])* $(#[serde(rename = $qwire)])? pub $q: $qty, )*
                $(
                    $(#[doc = $odoc])*
                    $(#[serde(rename = $owire)])?
                    #[serde(default, skip_serializing_if = "Option::is_none")]
                    pub $o: Option<$oty>,
                )*
                $(
                    #[doc = "Overrides the endpoint's project id in the path (the SDK's `project_id`"]
                    #[doc = "path parameter). The `X-Project-Id` header still comes from the endpoint."]
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
                    $( $p: impl Into<String>, )*
                    $( $q: impl Into<$qty>, )*
                    $( body: $body, )?
                ) -> Self {
                    $name {
                        $( $p: $p.into(), )*
                        $( $q: $q.into(), )*
                        $( $o: None, )*
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

                $(
                    $(#[doc = $odoc])*
                    pub fn $o(mut self, value: impl Into<$oty>) -> Self {
                        self.$o = Some(value.into());
                        self
                    }
                )*
            }

            impl $crate::Operation for $name {
                const ID: $crate::OperationId = $crate::OperationId::$name;
                type Output = $output;

                fn path_param(&self, name: &str) -> Option<&str> {
                    match name {
                        $( stringify!($p) => Some(&self.$p), )*
                        $( "project_id" => second!($project_scoped, self.project_id.as_deref()), )?
                        _ => None,
                    }
                }

                fn query_pairs<'a>(&'a self, out: &mut Vec<$crate::proto::encoding::QueryPair<'a>>) {
                    #[allow(unused_imports)]
                    use $crate::proto::encoding::QueryValue;
                    let _ = &out;
                    $( self.$q.append_to(wire_name!($q $(, $qwire)?), out); )*
                    $( self.$o.append_to(wire_name!($o $(, $owire)?), out); )*
                }

                fn write_body(&self, out: &mut Vec<u8>) -> Result<bool, $crate::Error> {
                    $(
                        let body: &$body = &self.body;
                        $crate::proto::operation::serialize_body(body, out)?;
                    )?
                    let _ = &out;
                    Ok(has_body!($($body)?))
                }

                fn validate(&self) -> Result<(), $crate::Error> {
                    #[allow(unused_imports)]
                    use $crate::proto::encoding::Presence;
                    $( $crate::proto::model::require(stringify!($p), &self.$p)?; )*
                    $( $crate::proto::model::require(wire_name!($q $(, $qwire)?), &self.$q)?; )*
                    $(
                        let check: fn(&$name) -> Result<(), $crate::Error> = $check;
                        check(self)?;
                    )?
                    $(
                        let body: &$body = &self.body;
                        $crate::proto::model::Validate::validate(
                            body,
                            &$crate::proto::model::FieldPath::root("body"),
                        )?;
                    )?
                    Ok(())
                }
            }
        )+

        /// Identifies one of the API's operations; carries its metadata.
        ///
        /// ```
        /// use sparkrtc::{OperationId, ThrottleCategory};
        /// let op = OperationId::from_name("ShowMixJob").unwrap();
        /// assert_eq!(op.method(), http::Method::GET);
        /// assert_eq!(op.path_template(), "/v2/apps/{app_id}/mix-stream-jobs/{job_id}");
        /// assert_eq!(op.category(), ThrottleCategory::MixStreamJobManagement);
        /// assert!(op.retry_safe());
        /// assert_eq!(OperationId::ALL.len(), 42);
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
                    method: ::http::Method::$method,
                    path: $path,
                    category: $crate::ThrottleCategory::$category,
                    retry_safe: $retry_safe,
                    has_body: has_body!($($body)?),
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
                    $( OperationId::$name => $crate::dynamic::build_as::<$name>(params, endpoint), )+
                }
            }

            /// Turns JSON parameters into the typed request, re-serialized:
            /// what [`build_json`](Self::build_json) would send, normalized.
            pub fn normalize_json(
                self,
                params: &::serde_json::Value,
            ) -> Result<::serde_json::Value, $crate::Error> {
                match self {
                    $( OperationId::$name => $crate::dynamic::normalize_as::<$name>(params), )+
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
                    $( OperationId::$name => $crate::dynamic::parse_as::<$name>(status, headers, body), )+
                }
            }
        }
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

macro_rules! has_body {
    () => {
        false
    };
    ($body:ident) => {
        true
    };
}

/// Declares a request body model: required fields go through `new`, optional
/// ones are `Option`s with chained setters and are omitted from the JSON when
/// unset.
macro_rules! request_model {
    (
        $(#[$meta:meta])*
        pub struct $name:ident {
            required { $( $(#[doc = $rdoc:literal])* $r:ident : $rty:ty ),* $(,)? }
            optional { $( $(#[doc = $odoc:literal])* $o:ident : $oty:ty ),* $(,)? }
        }
    ) => {
        $(#[$meta])*
        #[derive(Clone, Debug, PartialEq, ::serde::Serialize, ::serde::Deserialize)]
        #[non_exhaustive]
        pub struct $name {
            $( $(#[doc = $rdoc])* pub $r: $rty, )*
            $(
                $(#[doc = $odoc])*
                #[serde(default, skip_serializing_if = "Option::is_none")]
                pub $o: Option<$oty>,
            )*
        }

        #[allow(clippy::new_without_default)]
        impl $name {
            /// Creates the value from its required fields; optional fields are unset.
            pub fn new($( $r: impl Into<$rty> ),*) -> Self {
                $name {
                    $( $r: $r.into(), )*
                    $( $o: None, )*
                }
            }

            $(
                $(#[doc = $odoc])*
                pub fn $o(mut self, value: impl Into<$oty>) -> Self {
                    self.$o = Some(value.into());
                    self
                }
            )*
        }

        // Inside a response (a job's `mix_param`, a rule's `hls_config`) the
        // model is read like response models are: scalars leniently, and a
        // missing required field as a placeholder (empty, zero, `Unknown("")`)
        // instead of failing the whole answer. Requests stay strict.
        impl $crate::proto::model::Lenient for $name {
            fn deserialize_lenient<'de, D: ::serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                #[derive(::serde::Deserialize)]
                struct Shadow {
                    $(
                        #[serde(default, deserialize_with = "crate::proto::model::lenient")]
                        $r: Option<$rty>,
                    )*
                    $(
                        #[serde(default, deserialize_with = "crate::proto::model::lenient")]
                        $o: Option<$oty>,
                    )*
                }
                let _shadow = <Shadow as ::serde::Deserialize>::deserialize(d)?;
                Ok($name {
                    $( $r: _shadow.$r.unwrap_or_else($crate::proto::model::Placeholder::placeholder), )*
                    $( $o: _shadow.$o, )*
                })
            }
        }

        impl $crate::proto::model::Placeholder for $name {
            fn placeholder() -> Self {
                $name {
                    $( $r: $crate::proto::model::Placeholder::placeholder(), )*
                    $( $o: None, )*
                }
            }
        }
    };
}

/// Declares a response-only model: every field optional, lists empty when
/// missing or `null`, unknown fields ignored, `Default` for building fakes.
/// Scalars are read leniently (see `model::Lenient`).
macro_rules! response_model {
    (
        $(#[$meta:meta])*
        pub struct $name:ident {
            fields { $( $(#[doc = $doc:literal])* $f:ident : $t:ty, )* }
            $( lists { $( $(#[doc = $ldoc:literal])* $l:ident : $lt:ty, )* } )?
        }
    ) => {
        $(#[$meta])*
        #[derive(Clone, Debug, Default, PartialEq, ::serde::Serialize, ::serde::Deserialize)]
        #[non_exhaustive]
        pub struct $name {
            $(
                $(#[doc = $doc])*
                #[serde(
                    default,
                    deserialize_with = "crate::proto::model::lenient",
                    skip_serializing_if = "Option::is_none"
                )]
                pub $f: Option<$t>,
            )*
            $($(
                $(#[doc = $ldoc])*
                #[serde(
                    default,
                    deserialize_with = "crate::proto::model::null_as_default",
                    skip_serializing_if = "Vec::is_empty"
                )]
                pub $l: Vec<$lt>,
            )*)?
        }

        impl $crate::proto::model::Lenient for $name {
            fn deserialize_lenient<'de, D: ::serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                ::serde::Deserialize::deserialize(d)
            }
        }
    };
}
