//! Schema surgery: connector-key enums in, and the clean-up OpenAI wants.
//!
//! OpenAI function tools take a plain JSON Schema object: no `$schema`, no `title`,
//! no `format` (it rejects some, ignores others), no `$defs` to refer to. schemars
//! writes all of these, so [`for_openai`] rewrites a schema:
//!
//! - `$ref`s to `$defs`/`definitions` are inlined, and the definitions dropped;
//! - `$schema`, `$id`, `$comment`, `title`, `format` and `x-…` extension keys go;
//! - an optional property (not in `required`) loses its `null` alternative:
//!   `"type": ["string", "null"]` becomes `"type": "string"`, and `anyOf: [T, null]`
//!   becomes `T`. Leaving a property out already says "none", and a single type reads
//!   better to the model. Validation still accepts `null` for it, as serde does;
//! - the root's description (the Rust doc comment of the arguments type) goes: the
//!   tool's own description is what the model reads;
//! - descriptions are unwrapped: the line breaks of a doc comment become spaces
//!   (paragraph breaks stay).

use serde_json::{Map, Value};

use crate::binding::CONNECTOR_KEY_MARKER;

const DROPPED_KEYWORDS: &[&str] = &[
    "$schema",
    "$id",
    "$comment",
    "$defs",
    "definitions",
    "title",
    "format",
];
const SCHEMA_KEYWORDS: &[&str] = &[
    "items",
    "additionalProperties",
    "not",
    "contains",
    "propertyNames",
    "if",
    "then",
    "else",
    "unevaluatedProperties",
    "unevaluatedItems",
];
const SCHEMA_MAP_KEYWORDS: &[&str] = &["properties", "patternProperties"];
const SCHEMA_LIST_KEYWORDS: &[&str] = &["anyOf", "oneOf", "allOf", "prefixItems"];

/// Replaces every [`CONNECTOR_KEY_MARKER`] with an `enum` of `keys`; with no keys the
/// marker just goes (an empty `enum` would make the tool uncallable and OpenAI rejects
/// it).
pub(crate) fn inject_connector_keys(schema: &mut Value, keys: &[String]) {
    match schema {
        Value::Object(object) => {
            if object.remove(CONNECTOR_KEY_MARKER).is_some() && !keys.is_empty() {
                object.insert(
                    "enum".to_owned(),
                    keys.iter().cloned().map(Value::String).collect(),
                );
            }
            object
                .values_mut()
                .for_each(|child| inject_connector_keys(child, keys));
        }
        Value::Array(items) => items
            .iter_mut()
            .for_each(|child| inject_connector_keys(child, keys)),
        _ => {}
    }
}

/// The OpenAI form of a tool's arguments schema (see the module documentation).
///
/// # Panics
///
/// On a `$ref` that does not point into the schema's own definitions, or a recursive
/// type, neither of which can be inlined.
pub(crate) fn for_openai(schema: &Value) -> Value {
    let empty = Map::new();
    let definitions = schema
        .get("$defs")
        .or_else(|| schema.get("definitions"))
        .and_then(Value::as_object)
        .unwrap_or(&empty);
    let mut cleaned = clean(schema, definitions, &mut Vec::new());
    if let Value::Object(root) = &mut cleaned {
        root.remove("description");
        root.entry("properties")
            .or_insert_with(|| Value::Object(Map::new()));
    }
    cleaned
}

fn clean(schema: &Value, definitions: &Map<String, Value>, inlining: &mut Vec<String>) -> Value {
    let Value::Object(object) = schema else {
        return schema.clone();
    };

    let mut cleaned = match object.get("$ref").and_then(Value::as_str) {
        Some(reference) => inline(reference, definitions, inlining),
        None => Map::new(),
    };
    for (keyword, value) in object {
        if keyword == "$ref"
            || DROPPED_KEYWORDS.contains(&keyword.as_str())
            || keyword.starts_with("x-")
        {
            continue;
        }
        let value = if keyword == "description" {
            value
                .as_str()
                .map_or_else(|| value.clone(), |text| unwrap_lines(text).into())
        } else if SCHEMA_KEYWORDS.contains(&keyword.as_str()) {
            clean(value, definitions, inlining)
        } else if SCHEMA_MAP_KEYWORDS.contains(&keyword.as_str()) {
            map_values(value, |child| clean(child, definitions, inlining))
        } else if SCHEMA_LIST_KEYWORDS.contains(&keyword.as_str()) {
            map_items(value, |child| clean(child, definitions, inlining))
        } else {
            value.clone()
        };
        cleaned.insert(keyword.clone(), value);
    }
    simplify_optional_properties(&mut cleaned);
    Value::Object(cleaned)
}

fn inline(
    reference: &str,
    definitions: &Map<String, Value>,
    inlining: &mut Vec<String>,
) -> Map<String, Value> {
    let name = reference
        .strip_prefix("#/$defs/")
        .or_else(|| reference.strip_prefix("#/definitions/"))
        .unwrap_or_else(|| panic!("voice-tools: cannot inline `$ref: {reference}`"));
    assert!(
        !inlining.iter().any(|seen| seen == name),
        "voice-tools: `{name}` is recursive and cannot be inlined for OpenAI"
    );
    let definition = definitions
        .get(name)
        .unwrap_or_else(|| panic!("voice-tools: `$ref: {reference}` points to nothing"));
    inlining.push(name.to_owned());
    let inlined = clean(definition, definitions, inlining);
    inlining.pop();
    match inlined {
        Value::Object(object) => object,
        // `true` accepts anything, like an empty schema; `false` has no object form.
        Value::Bool(true) => Map::new(),
        other => panic!("voice-tools: `{name}` is `{other}`, which cannot be inlined"),
    }
}

fn unwrap_lines(text: &str) -> String {
    text.split("\n\n")
        .map(|paragraph| {
            paragraph
                .split('\n')
                .map(str::trim)
                .collect::<Vec<_>>()
                .join(" ")
        })
        .collect::<Vec<_>>()
        .join("\n\n")
}

fn map_values(value: &Value, mut f: impl FnMut(&Value) -> Value) -> Value {
    match value {
        Value::Object(map) => map.iter().map(|(k, v)| (k.clone(), f(v))).collect(),
        other => other.clone(),
    }
}

fn map_items(value: &Value, f: impl FnMut(&Value) -> Value) -> Value {
    match value {
        Value::Array(items) => items.iter().map(f).collect(),
        other => other.clone(),
    }
}

fn simplify_optional_properties(object: &mut Map<String, Value>) {
    let required: Vec<String> = object
        .get("required")
        .and_then(Value::as_array)
        .map(|names| {
            names
                .iter()
                .filter_map(Value::as_str)
                .map(str::to_owned)
                .collect()
        })
        .unwrap_or_default();
    let Some(Value::Object(properties)) = object.get_mut("properties") else {
        return;
    };
    for (name, property) in properties.iter_mut() {
        if !required.contains(name) {
            if let Value::Object(property) = property {
                drop_null_alternative(property);
            }
        }
    }
}

fn drop_null_alternative(property: &mut Map<String, Value>) {
    let is_null = |value: &Value| value.is_null() || value == "null";

    if let Some(Value::Array(types)) = property.get_mut("type") {
        types.retain(|kind| !is_null(kind));
        if let [single] = types.as_slice() {
            let single = single.clone();
            property.insert("type".to_owned(), single);
        }
    }
    if let Some(Value::Array(values)) = property.get_mut("enum") {
        values.retain(|value| !value.is_null());
    }
    if property.get("default").is_some_and(Value::is_null) {
        property.remove("default");
    }
    for keyword in ["anyOf", "oneOf"] {
        let Some(Value::Array(branches)) = property.get_mut(keyword) else {
            continue;
        };
        branches.retain(|branch| branch.get("type").is_none_or(|kind| !is_null(kind)));
        if let [Value::Object(single)] = branches.as_slice() {
            let single = single.clone();
            property.remove(keyword);
            for (key, value) in single {
                // The property's own keywords (its description) win over the branch's.
                property.entry(key).or_insert(value);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn refs_are_inlined_and_annotations_dropped() {
        let schema = json!({
            "$schema": "https://json-schema.org/draft/2020-12/schema",
            "title": "Args",
            "description": "Rust docs",
            "type": "object",
            "properties": {
                "when": {"$ref": "#/$defs/Window", "description": "the window"},
                "title": {"type": "string", "format": "email", "title": "T"}
            },
            "required": ["when", "title"],
            "additionalProperties": false,
            "$defs": {
                "Window": {
                    "title": "Window",
                    "type": "object",
                    "properties": {"start": {"type": "string", "format": "date-time"}},
                    "required": ["start"]
                }
            }
        });

        let cleaned = for_openai(&schema);

        assert_eq!(
            cleaned,
            json!({
                "type": "object",
                "properties": {
                    "when": {
                        "type": "object",
                        "description": "the window",
                        "properties": {"start": {"type": "string"}},
                        "required": ["start"]
                    },
                    "title": {"type": "string"}
                },
                "required": ["when", "title"],
                "additionalProperties": false
            })
        );
    }

    #[test]
    fn descriptions_are_unwrapped_but_keep_paragraphs() {
        assert_eq!(unwrap_lines("one\ntwo\n\nthree"), "one two\n\nthree");
    }

    #[test]
    fn optional_properties_lose_their_null_alternative() {
        let schema = json!({
            "type": "object",
            "properties": {
                "plain": {"type": ["string", "null"], "default": null},
                "choice": {"type": ["string", "null"], "enum": ["a", "b", null]},
                "nested": {
                    "anyOf": [{"$ref": "#/$defs/Inner"}, {"type": "null"}],
                    "description": "outer"
                },
                "needed": {"type": ["integer", "null"]}
            },
            "required": ["needed"],
            "$defs": {"Inner": {"type": "integer", "description": "inner"}}
        });

        let cleaned = for_openai(&schema);

        assert_eq!(
            cleaned["properties"],
            json!({
                "plain": {"type": "string"},
                "choice": {"type": "string", "enum": ["a", "b"]},
                "nested": {"type": "integer", "description": "outer"},
                "needed": {"type": ["integer", "null"]}
            })
        );
    }

    #[test]
    #[should_panic(expected = "recursive")]
    fn recursive_types_are_refused() {
        let schema = json!({
            "type": "object",
            "properties": {"node": {"$ref": "#/$defs/Node"}},
            "$defs": {"Node": {"type": "object", "properties": {"next": {"$ref": "#/$defs/Node"}}}}
        });

        for_openai(&schema);
    }

    #[test]
    fn connector_keys_replace_the_marker() {
        let mut with_keys =
            json!({"properties": {"key": {"type": "string", "x-connector-key": true}}});
        let mut without_keys = with_keys.clone();

        inject_connector_keys(&mut with_keys, &["gmail".to_owned(), "smtp".to_owned()]);
        inject_connector_keys(&mut without_keys, &[]);

        assert_eq!(
            with_keys,
            json!({"properties": {"key": {"type": "string", "enum": ["gmail", "smtp"]}}})
        );
        assert_eq!(
            without_keys,
            json!({"properties": {"key": {"type": "string"}}})
        );
    }
}
