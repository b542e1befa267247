//! [`ValidQuery`]: the query-string extractor of every route, whose rejections are API
//! errors naming the parameter, plus the typed values query strings carry
//! ([`DateTimeParam`], [`BoolParam`]).

use std::fmt;

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use serde::de::value::MapDeserializer;
use serde::de::{self, DeserializeOwned, Deserializer, Visitor};
use serde::Deserialize;
use serde_json::Value;
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

use crate::error::ApiError;

/// Like `axum::extract::Query`, but a value its type refuses answers 422 naming the
/// parameter, `{"error":{"code":"validation_failed","message","fields":[{field,
/// message}]}}`, with the message the type gives.
///
/// A parameter given twice counts once, with its last value; unknown parameters are
/// ignored; parameters are checked in the order the struct declares them, so the first
/// bad one in that order is the one named.
#[derive(Debug, Clone, Copy, Default)]
pub struct ValidQuery<T>(pub T);

impl<S, T> FromRequestParts<S> for ValidQuery<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        let query = parts.uri.query().unwrap_or_default();
        let pairs = url::form_urlencoded::parse(query.as_bytes())
            .into_owned()
            .collect();
        serde_path_to_error::deserialize(QueryPairs(pairs))
            .map(Self)
            .map_err(|error| {
                let field = match error.path().to_string() {
                    path if path == "." => "query".to_owned(),
                    path => path,
                };
                ApiError::invalid_field(
                    &field,
                    crate::validate::issue_of(&error.into_inner().to_string()),
                )
            })
    }
}

/// The pairs of a query string, deserialized as a struct whose values are strings.
struct QueryPairs(Vec<(String, String)>);

impl<'de> Deserializer<'de> for QueryPairs {
    type Error = serde_json::Error;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Self::Error> {
        self.deserialize_struct("", &[], visitor)
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Self::Error> {
        let mut pairs: Vec<(String, Value)> = Vec::with_capacity(self.0.len());
        for (name, value) in self.0 {
            match pairs.iter_mut().find(|(seen, _)| *seen == name) {
                Some(pair) => pair.1 = Value::String(value),
                None => pairs.push((name, Value::String(value))),
            }
        }
        let position = |name: &str| fields.iter().position(|field| *field == name);
        pairs.sort_by_key(|(name, _)| position(name).unwrap_or(fields.len()));
        let mut map = MapDeserializer::new(pairs.into_iter());
        let value = visitor.visit_map(&mut map)?;
        map.end()?;
        Ok(value)
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes
        byte_buf option unit unit_struct newtype_struct seq tuple tuple_struct map enum
        identifier ignored_any
    }
}

/// An instant given as an RFC 3339 date-time (`2026-12-01T09:00:00Z`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DateTimeParam(pub OffsetDateTime);

impl<'de> Deserialize<'de> for DateTimeParam {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        OffsetDateTime::parse(&text, &Rfc3339)
            .map(Self)
            .map_err(|_| de::Error::custom(crate::validate::NOT_A_DATE_TIME))
    }
}

/// A yes or no: `true` or `1`, `false` or `0`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BoolParam(pub bool);

impl<'de> Deserialize<'de> for BoolParam {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Flag;

        impl Visitor<'_> for Flag {
            type Value = BoolParam;

            fn expecting(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
                formatter.write_str("true or false")
            }

            fn visit_str<E: de::Error>(self, value: &str) -> Result<BoolParam, E> {
                match value {
                    "true" | "1" => Ok(BoolParam(true)),
                    "false" | "0" => Ok(BoolParam(false)),
                    _ => Err(E::custom(crate::validate::NOT_A_BOOLEAN)),
                }
            }
        }

        deserializer.deserialize_str(Flag)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, Deserialize)]
    struct Window {
        from: Option<DateTimeParam>,
        verify: Option<BoolParam>,
    }

    fn read(query: &str) -> Result<Window, (String, String)> {
        let pairs = url::form_urlencoded::parse(query.as_bytes())
            .into_owned()
            .collect();
        serde_path_to_error::deserialize(QueryPairs(pairs))
            .map_err(|error| (error.path().to_string(), error.into_inner().to_string()))
    }

    #[test]
    fn values_are_typed_and_the_last_of_a_repeated_parameter_counts() {
        let window = read("verify=0&from=2026-12-01T09:00:00Z&other=x&verify=1").unwrap();
        assert_eq!(window.verify, Some(BoolParam(true)));
        assert_eq!(window.from.unwrap().0.unix_timestamp(), 1_796_115_600);
        assert!(read("").unwrap().from.is_none());
    }

    #[test]
    fn the_first_bad_parameter_in_declared_order_is_named() {
        let (field, message) = read("verify=maybe&from=yesterday").unwrap_err();
        assert_eq!(field, "from");
        assert!(message.contains("RFC 3339"), "{message}");
        assert_eq!(
            read("verify=").unwrap_err(),
            ("verify".to_owned(), "expected true or false".to_owned())
        );
    }
}
