//! Validation of every text the API takes, in one place.
//!
//! Two layers, both reached through [`ValidJson`](crate::json::ValidJson) (and, for the
//! multipart upload, through [`name`]):
//! - every string of every JSON body, object keys included, is checked by
//!   [`check_json`]: no control characters but line breaks and tabs (NUL included;
//!   PostgreSQL refuses NUL in text, SQLite would store it), so a new route cannot
//!   forget it;
//! - fields with a meaning are typed: [`Email`], [`Name`], [`Text`], [`Password`],
//!   [`NewPassword`]. Their `Deserialize` refuses what does not fit, and the extractor
//!   turns the refusal into a 422 naming the field.
//!
//! The voice tools call the same REST routes, so their arguments go through the same
//! checks.

use std::fmt;

use connectors_core::{FieldError, FieldErrorCode, FieldFormat, FieldIssue, FieldParams};
use serde::{Deserialize, Deserializer};
use serde_json::Value;
use utoipa::openapi::schema::{ObjectBuilder, SchemaFormat, Type};
use utoipa::openapi::{KnownFormat, RefOr, Schema};
use utoipa::{PartialSchema, ToSchema};

/// Every string of `value` that holds a control character other than a line break or a
/// tab, and every object key that holds any, as field errors named by their path
/// (`host`, `items[2].name`).
pub fn check_json(value: &Value) -> Vec<FieldError> {
    let mut problems = Vec::new();
    walk(value, &mut String::new(), &mut problems);
    problems
}

fn walk(value: &Value, path: &mut String, problems: &mut Vec<FieldError>) {
    match value {
        Value::String(text) => {
            // Line breaks and tabs are text (a message's body); a field that must be
            // one line (a name, a host) is typed and refuses them itself.
            if text
                .chars()
                .any(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t'))
            {
                problems.push(FieldError::new(
                    field_name(path),
                    FieldIssue::control_characters(),
                ));
            }
        }
        Value::Array(items) => {
            for (index, item) in items.iter().enumerate() {
                let length = path.len();
                path.push_str(&format!("[{index}]"));
                walk(item, path, problems);
                path.truncate(length);
            }
        }
        Value::Object(fields) => {
            for (key, item) in fields {
                let length = path.len();
                if !path.is_empty() {
                    path.push('.');
                }
                if no_control_characters(key).is_err() {
                    // The key itself cannot be shown as it is.
                    path.push_str(&key.escape_default().to_string());
                    problems.push(FieldError::new(
                        path.as_str(),
                        FieldIssue::new(
                            FieldErrorCode::ControlCharacters,
                            "field names cannot hold control characters",
                        ),
                    ));
                } else {
                    path.push_str(key);
                    walk(item, path, problems);
                }
                path.truncate(length);
            }
        }
        Value::Null | Value::Bool(_) | Value::Number(_) => {}
    }
}

fn field_name(path: &str) -> &str {
    if path.is_empty() {
        "body"
    } else {
        path
    }
}

/// No control character (C0, DEL, C1; NUL, tab and line breaks included).
fn no_control_characters(text: &str) -> Result<(), &'static str> {
    if text.chars().any(char::is_control) {
        Err(CONTROL_CHARACTERS)
    } else {
        Ok(())
    }
}

const CONTROL_CHARACTERS: &str = "must not contain control characters";
const NOTHING_VISIBLE: &str = "must have at least one visible character";
const NOT_AN_EMAIL: &str = "expected an email address such as ada@example.com";

/// The issue behind a refusal that reached us as words: serde's own ("missing field
/// `x`", "unknown field `x`, expected one of `a`, `b`") and those the types of this
/// module give serde (which carries only text). Anything else is
/// [`FieldErrorCode::Invalid`] with the words as they are.
pub fn issue_of(message: &str) -> FieldIssue {
    let quoted: Vec<&str> = message.split('`').skip(1).step_by(2).collect();
    let with = |code, params| FieldIssue::new(code, message).with_params(params);
    let bound = |text: &str| {
        text.split(' ')
            .find_map(|word| word.parse::<i64>().ok())
            .map(Some)
            .unwrap_or_default()
    };
    if message.starts_with("missing field") {
        return FieldIssue::new(FieldErrorCode::Required, message);
    }
    if message.starts_with("unknown field") {
        let allowed = quoted
            .get(1..)
            .map(|names| names.iter().map(|name| (*name).to_owned()).collect());
        return with(
            FieldErrorCode::UnknownField,
            FieldParams {
                allowed,
                ..FieldParams::default()
            },
        );
    }
    match message {
        CONTROL_CHARACTERS => FieldIssue::control_characters(),
        NOTHING_VISIBLE => FieldIssue::new(FieldErrorCode::Empty, message),
        NOT_AN_EMAIL => FieldIssue::format(FieldFormat::Email, message),
        _ if message.starts_with("must be at most ") && message.ends_with(" characters") => with(
            FieldErrorCode::TooLong,
            FieldParams {
                max: bound(message),
                ..FieldParams::default()
            },
        ),
        _ if message.starts_with("must be at least ") && message.ends_with(" characters") => with(
            FieldErrorCode::TooShort,
            FieldParams {
                min: bound(message),
                ..FieldParams::default()
            },
        ),
        _ => FieldIssue::new(FieldErrorCode::Invalid, message),
    }
}

/// Ranges of characters that show nothing besides whitespace: zero-width and other
/// format characters, fillers, variation selectors, tags. A name made only of these
/// (and whitespace) looks empty.
const INVISIBLE: &[(char, char)] = &[
    ('\u{00AD}', '\u{00AD}'),
    ('\u{034F}', '\u{034F}'),
    ('\u{061C}', '\u{061C}'),
    ('\u{115F}', '\u{1160}'),
    ('\u{17B4}', '\u{17B5}'),
    ('\u{180B}', '\u{180F}'),
    ('\u{200B}', '\u{200F}'),
    ('\u{202A}', '\u{202E}'),
    ('\u{2060}', '\u{206F}'),
    ('\u{2800}', '\u{2800}'),
    ('\u{3164}', '\u{3164}'),
    ('\u{FE00}', '\u{FE0F}'),
    ('\u{FEFF}', '\u{FEFF}'),
    ('\u{FFA0}', '\u{FFA0}'),
    ('\u{FFF9}', '\u{FFFB}'),
    ('\u{E0000}', '\u{E007F}'),
];

fn is_invisible(c: char) -> bool {
    c.is_whitespace()
        || INVISIBLE
            .iter()
            .any(|&(first, last)| (first..=last).contains(&c))
}

/// The character class of control characters, for the OpenAPI `pattern`s.
const CONTROL_CLASS: &str = "\\u0000-\\u001F\\u007F-\\u009F";

/// `^…$` matching what [`name`] accepts, for the OpenAPI document (ECMA-262 syntax;
/// the tag characters above U+FFFF are left out of it).
fn name_pattern() -> String {
    let invisible: String = INVISIBLE
        .iter()
        .filter(|(_, last)| u32::from(*last) <= 0xFFFF)
        .map(|&(first, last)| format!("\\u{:04X}-\\u{:04X}", u32::from(first), u32::from(last)))
        .collect();
    format!("^[^{CONTROL_CLASS}]*[^\\s{CONTROL_CLASS}{invisible}][^{CONTROL_CLASS}]*$")
}

/// Checks a name: trimmed, no control characters, at least one visible character, at
/// most `max` characters. Returns the trimmed name.
///
/// # Errors
///
/// A message for the user, to put under the field's name.
pub fn name(text: &str, max: usize) -> Result<&str, FieldIssue> {
    if no_control_characters(text).is_err() {
        return Err(FieldIssue::control_characters());
    }
    let trimmed = text.trim();
    if trimmed.chars().all(is_invisible) {
        return Err(FieldIssue::new(FieldErrorCode::Empty, NOTHING_VISIBLE));
    }
    if trimmed.chars().count() > max {
        return Err(FieldIssue::too_long(max));
    }
    Ok(trimmed)
}

/// A name (of a project, a file): 1 to `MAX` characters, trimmed, not only invisible
/// characters, no control characters.
#[derive(Clone, PartialEq, Eq)]
pub struct Name<const MAX: usize>(String);

impl<const MAX: usize> Name<MAX> {
    /// The trimmed name.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl<const MAX: usize> fmt::Debug for Name<MAX> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&self.0, f)
    }
}

impl<'de, const MAX: usize> Deserialize<'de> for Name<MAX> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        name(&text, MAX)
            .map(|trimmed| Self(trimmed.to_owned()))
            .map_err(|issue| serde::de::Error::custom(issue.message))
    }
}

/// Free text (a description): at most `MAX` characters, trimmed, no control
/// characters; an empty text counts as none (`Option<Text>`).
#[derive(Clone, PartialEq, Eq)]
pub struct Text<const MAX: usize>(String);

impl<const MAX: usize> Text<MAX> {
    /// The trimmed text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl<const MAX: usize> fmt::Debug for Text<MAX> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&self.0, f)
    }
}

impl<'de, const MAX: usize> Deserialize<'de> for Text<MAX> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        no_control_characters(&text).map_err(serde::de::Error::custom)?;
        let trimmed = text.trim();
        if trimmed.chars().count() > MAX {
            return Err(serde::de::Error::custom(format!(
                "must be at most {MAX} characters"
            )));
        }
        Ok(Self(trimmed.to_owned()))
    }
}

/// An email address, trimmed and lowercased: one `@`, a local part without spaces,
/// quotes or brackets, a domain of dot-separated labels.
#[derive(Clone, PartialEq, Eq)]
pub struct Email(String);

impl Email {
    /// Parses an address.
    ///
    /// # Errors
    ///
    /// A message for the user when `text` is not an address.
    pub fn parse(text: &str) -> Result<Self, &'static str> {
        const MESSAGE: &str = NOT_AN_EMAIL;
        no_control_characters(text)?;
        let email = crate::users::normalize_email(text);
        let (local, domain) = email.split_once('@').ok_or(MESSAGE)?;
        let local_ok = !local.is_empty()
            && local.len() <= 64
            && !local.starts_with('.')
            && !local.ends_with('.')
            && !local.contains("..")
            && local
                .chars()
                .all(|c| !c.is_whitespace() && !is_invisible(c) && !"@\"(),:;<>[\\]".contains(c));
        let domain_ok = domain.len() <= 253
            && domain.contains('.')
            && domain.split('.').all(|label| {
                !label.is_empty()
                    && label.len() <= 63
                    && !label.starts_with('-')
                    && !label.ends_with('-')
                    && label.chars().all(|c| c.is_alphanumeric() || c == '-')
            });
        if local_ok && domain_ok && email.len() <= 254 {
            Ok(Self(email))
        } else {
            Err(MESSAGE)
        }
    }

    /// The normalized address.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Email {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&self.0, f)
    }
}

impl<'de> Deserialize<'de> for Email {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        Self::parse(&text).map_err(serde::de::Error::custom)
    }
}

/// A password as given at login: 1 to 256 characters, anything printable. Its `Debug`
/// shows nothing of it.
pub struct Password(String);

impl Password {
    /// The password itself, for hashing.
    pub fn expose(self) -> String {
        self.0
    }
}

impl fmt::Debug for Password {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Password(..)")
    }
}

fn password(text: String, min: usize) -> Result<String, String> {
    no_control_characters(&text)?;
    let length = text.chars().count();
    if length < min {
        Err(format!("must be at least {min} characters"))
    } else if length > 256 {
        Err("must be at most 256 characters".to_owned())
    } else {
        Ok(text)
    }
}

impl<'de> Deserialize<'de> for Password {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        password(String::deserialize(deserializer)?, 1)
            .map(Self)
            .map_err(serde::de::Error::custom)
    }
}

/// A password chosen at sign-up: 8 to 256 characters, anything printable.
pub struct NewPassword(String);

impl NewPassword {
    /// The password itself, for hashing.
    pub fn expose(self) -> String {
        self.0
    }
}

impl fmt::Debug for NewPassword {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("NewPassword(..)")
    }
}

impl<'de> Deserialize<'de> for NewPassword {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        password(String::deserialize(deserializer)?, 8)
            .map(Self)
            .map_err(serde::de::Error::custom)
    }
}

/// The OpenAPI schema of a string field with these bounds.
fn string_schema(min: Option<usize>, max: Option<usize>, format: Option<KnownFormat>) -> Schema {
    let mut builder = ObjectBuilder::new()
        .schema_type(Type::String)
        .min_length(min)
        .max_length(max);
    if let Some(format) = format {
        builder = builder.format(Some(SchemaFormat::KnownFormat(format)));
    }
    // A `pattern` tells clients (and fuzzers) what the server refuses: control
    // characters anywhere.
    builder = builder.pattern(Some(format!("^[^{CONTROL_CLASS}]*$")));
    Schema::Object(builder.build())
}

impl<const MAX: usize> PartialSchema for Name<MAX> {
    fn schema() -> RefOr<Schema> {
        let mut schema = string_schema(Some(1), Some(MAX), None);
        if let Schema::Object(object) = &mut schema {
            object.pattern = Some(name_pattern());
        }
        RefOr::T(schema)
    }
}
impl<const MAX: usize> ToSchema for Name<MAX> {}

impl<const MAX: usize> PartialSchema for Text<MAX> {
    fn schema() -> RefOr<Schema> {
        RefOr::T(string_schema(None, Some(MAX), None))
    }
}
impl<const MAX: usize> ToSchema for Text<MAX> {}

impl PartialSchema for Email {
    fn schema() -> RefOr<Schema> {
        RefOr::T(string_schema(Some(3), Some(254), Some(KnownFormat::Email)))
    }
}
impl ToSchema for Email {}

impl PartialSchema for Password {
    fn schema() -> RefOr<Schema> {
        RefOr::T(string_schema(
            Some(1),
            Some(256),
            Some(KnownFormat::Password),
        ))
    }
}
impl ToSchema for Password {}

impl PartialSchema for NewPassword {
    fn schema() -> RefOr<Schema> {
        RefOr::T(string_schema(
            Some(8),
            Some(256),
            Some(KnownFormat::Password),
        ))
    }
}
impl ToSchema for NewPassword {}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn control_characters_anywhere_in_a_body_are_named_by_their_path() {
        let body = json!({"host": "smtp\u{0}.example.com", "nested": {"items": ["ok", "a\u{7}"]}, "port": 25});
        let fields: Vec<String> = check_json(&body).into_iter().map(|f| f.field).collect();
        assert_eq!(fields, ["host", "nested.items[1]"]);
        assert!(check_json(&json!({"name": "Zoë ✨ 日本"})).is_empty());
        assert!(
            check_json(&json!({"text": "Agenda\r\n\tLaunch review\nDonna"})).is_empty(),
            "line breaks and tabs are text"
        );
        let key = check_json(&json!({"te\nxt": "x"}));
        assert_eq!(key.len(), 1, "but never in a field's name");
    }

    #[test]
    fn names_need_a_visible_character() {
        for bad in [
            "",
            "   ",
            "\u{200B}",
            "\u{200B}\u{FEFF} \u{2060}",
            "a\u{0}b",
            "tab\there",
        ] {
            assert!(name(bad, 200).is_err(), "{bad:?}");
        }
        assert_eq!(name("  Apollo ", 200), Ok("Apollo"));
        assert_eq!(name("👩‍🚀", 200), Ok("👩‍🚀"));
        assert!(name(&"x".repeat(201), 200).is_err());
    }

    #[test]
    fn the_documented_name_pattern_lists_the_invisible_characters() {
        let pattern = name_pattern();
        assert!(
            pattern.starts_with("^[^\\u0000-\\u001F\\u007F-\\u009F]*[^\\s"),
            "{pattern}"
        );
        assert!(pattern.contains("\\u200B-\\u200F"), "{pattern}");
    }

    #[test]
    fn malformed_emails_are_refused() {
        for bad in [
            "a@b@example.com",
            "nul\u{0}x@example.com",
            "no-at.example.com",
            "@example.com",
            "ada@",
            "ada@localhost",
            "ada@exa mple.com",
            "a da@example.com",
            "ada@.example.com",
            "ada@example..com",
            "\u{200B}@example.com",
            "ada@-example.com",
        ] {
            assert!(Email::parse(bad).is_err(), "{bad:?}");
        }
        assert_eq!(
            Email::parse(" Ada.Lovelace+x@Example.COM ")
                .unwrap()
                .as_str(),
            "ada.lovelace+x@example.com"
        );
    }

    #[test]
    fn passwords_take_anything_printable_and_never_show_in_debug() {
        let password: NewPassword =
            serde_json::from_value(json!("pässwörd with spaces ✓")).unwrap();
        assert_eq!(format!("{password:?}"), "NewPassword(..)");
        assert!(serde_json::from_value::<NewPassword>(json!("short")).is_err());
        assert!(serde_json::from_value::<Password>(json!("long enough\u{0}")).is_err());
    }
}
