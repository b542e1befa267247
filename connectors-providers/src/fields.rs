//! Reading a config connector's fields so that every bad field is named at once (serde
//! stops at the first error; a form wants them all).

use serde_json::{Map, Value};

use connectors_core::FieldError;

/// The fields of a config body, read one by one, with every refusal collected.
#[derive(Debug)]
pub(crate) struct Fields<'a> {
    object: Option<&'a Map<String, Value>>,
    errors: Vec<FieldError>,
}

impl<'a> Fields<'a> {
    /// Starts reading `value`, which must be a JSON object holding only `known` fields.
    pub(crate) fn new(value: &'a Value, known: &[&str]) -> Self {
        let mut fields = Self {
            object: value.as_object(),
            errors: Vec::new(),
        };
        match fields.object {
            None => fields.reject("", "expected a JSON object of fields"),
            Some(object) => {
                for name in object.keys() {
                    if !known.contains(&name.as_str()) {
                        let message = format!("unknown field; expected {}", known.join(", "));
                        fields.reject(name, message);
                    }
                }
            }
        }
        fields
    }

    /// Records a refusal of `field`.
    pub(crate) fn reject(&mut self, field: &str, message: impl Into<String>) {
        self.errors.push(FieldError {
            field: field.to_owned(),
            message: message.into(),
        });
    }

    /// Whether a value (not `null`) was given for `field`.
    pub(crate) fn has(&self, field: &str) -> bool {
        self.value(field).is_some()
    }

    fn value(&self, field: &str) -> Option<&'a Value> {
        self.object?.get(field).filter(|value| !value.is_null())
    }

    /// A required, non-blank string.
    pub(crate) fn required_str(&mut self, field: &str) -> Option<&'a str> {
        if self.object.is_some() && !self.has(field) {
            self.reject(field, "is required");
            return None;
        }
        self.optional_str(field)
    }

    /// An optional string: absent or `null` is `None`; when given it must not be blank.
    pub(crate) fn optional_str(&mut self, field: &str) -> Option<&'a str> {
        match self.value(field)? {
            Value::String(text) if text.trim().is_empty() => {
                self.reject(field, "must not be empty");
                None
            }
            Value::String(text) => Some(text),
            _ => {
                self.reject(field, "expected a string");
                None
            }
        }
    }

    /// A required TCP port, 1 to 65535.
    // Only the smtp connector has a port or a choice among values.
    #[cfg_attr(not(feature = "smtp"), allow(dead_code))]
    pub(crate) fn port(&mut self, field: &str) -> Option<u16> {
        const MESSAGE: &str = "expected a port number from 1 to 65535";
        let Some(value) = self.value(field) else {
            if self.object.is_some() {
                self.reject(field, "is required");
            }
            return None;
        };
        let port = value
            .as_u64()
            .and_then(|port| u16::try_from(port).ok())
            .filter(|port| *port != 0);
        if port.is_none() {
            self.reject(field, MESSAGE);
        }
        port
    }

    /// A required string that must be one of `allowed`.
    #[cfg_attr(not(feature = "smtp"), allow(dead_code))]
    pub(crate) fn one_of(&mut self, field: &str, allowed: &[&str]) -> Option<&'a str> {
        let value = self.required_str(field)?;
        if allowed.contains(&value) {
            Some(value)
        } else {
            self.reject(field, format!("expected one of {}", allowed.join(", ")));
            None
        }
    }

    /// Applies a check to a value read earlier, recording its refusal.
    pub(crate) fn check<T>(
        &mut self,
        field: &str,
        value: Option<&str>,
        check: impl FnOnce(&str) -> Result<T, String>,
    ) -> Option<T> {
        match check(value?) {
            Ok(checked) => Some(checked),
            Err(message) => {
                self.reject(field, message);
                None
            }
        }
    }

    /// Every refusal, or `Ok` when there was none.
    pub(crate) fn finish(self) -> Result<(), Vec<FieldError>> {
        if self.errors.is_empty() {
            Ok(())
        } else {
            Err(self.errors)
        }
    }
}

/// Deserializes fields already checked with [`Fields`]: the typed config whose derived
/// schema the connector publishes. Its error says nothing of the values (they may be
/// secrets).
pub(crate) fn deserialize<T: serde::de::DeserializeOwned>(
    value: &Value,
) -> Result<T, Vec<FieldError>> {
    T::deserialize(value).map_err(|_| {
        vec![FieldError {
            field: String::new(),
            message: "the fields do not match the connector's schema".to_owned(),
        }]
    })
}

/// Refuses values with whitespace inside (keys, SIDs and tokens never have any).
pub(crate) fn no_spaces(value: &str) -> Result<(), String> {
    if value.chars().any(char::is_whitespace) {
        Err("must not contain spaces".to_owned())
    } else {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn every_bad_field_is_named_at_once() {
        let body = json!({"host": 3, "port": 70000, "mode": "x", "extra": true, "blank": " "});
        let mut fields = Fields::new(&body, &["host", "port", "mode", "blank", "missing"]);
        fields.required_str("host");
        fields.port("port");
        fields.one_of("mode", &["a", "b"]);
        fields.required_str("blank");
        fields.required_str("missing");
        let errors = fields.finish().unwrap_err();
        let mut named: Vec<_> = errors.iter().map(|error| error.field.as_str()).collect();
        named.sort_unstable();
        assert_eq!(named, ["blank", "extra", "host", "missing", "mode", "port"]);
    }

    #[test]
    fn a_body_that_is_not_an_object_is_refused_once() {
        let errors = Fields::new(&json!([1]), &["a"]).finish().unwrap_err();
        assert_eq!(errors.len(), 1);
        assert_eq!(errors[0].field, "");
    }
}
