//! What the minted secret's session is: model, voice, instructions, tools, lifetime.

use std::time::Duration;

use serde::{Deserialize, Serialize};

/// The shortest lifetime OpenAI accepts for a client secret.
pub const MIN_TTL: Duration = Duration::from_secs(10);
/// The longest lifetime OpenAI accepts for a client secret.
pub const MAX_TTL: Duration = Duration::from_secs(7200);

const DEFAULT_MODEL: &str = "gpt-realtime";
const DEFAULT_VOICE: &str = "marin";
const DEFAULT_TTL: Duration = Duration::from_secs(60);

/// The Realtime session a client secret opens.
///
/// Defaults: model `gpt-realtime`, voice `marin`, no instructions, no tools, and a
/// 60 second lifetime (the secret only has to last until the browser connects; the
/// session itself outlives it).
///
/// ```
/// use std::time::Duration;
/// use realtime_secret::{FunctionTool, SessionConfig};
///
/// let config = SessionConfig::new()
///     .with_instructions("You are Donna, a concise assistant.")
///     .with_tool(FunctionTool::new(
///         "list_projects",
///         "List the user's projects.",
///         serde_json::json!({"type": "object", "properties": {}}),
///     ))
///     .with_ttl(Duration::from_secs(5));
/// assert_eq!(config.ttl(), Duration::from_secs(10), "clamped to OpenAI's minimum");
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct SessionConfig {
    model: String,
    voice: String,
    instructions: Option<String>,
    tools: Vec<FunctionTool>,
    ttl: Duration,
}

impl Default for SessionConfig {
    fn default() -> Self {
        Self {
            model: DEFAULT_MODEL.to_owned(),
            voice: DEFAULT_VOICE.to_owned(),
            instructions: None,
            tools: Vec::new(),
            ttl: DEFAULT_TTL,
        }
    }
}

impl SessionConfig {
    /// The default session (see the type's documentation).
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets the Realtime model, e.g. `gpt-realtime`.
    #[must_use]
    pub fn with_model(mut self, model: impl Into<String>) -> Self {
        self.model = model.into();
        self
    }

    /// Sets the voice the agent speaks with, e.g. `marin`.
    #[must_use]
    pub fn with_voice(mut self, voice: impl Into<String>) -> Self {
        self.voice = voice.into();
        self
    }

    /// Sets the system instructions of the agent.
    #[must_use]
    pub fn with_instructions(mut self, instructions: impl Into<String>) -> Self {
        self.instructions = Some(instructions.into());
        self
    }

    /// Replaces the tools with these.
    #[must_use]
    pub fn with_tools(mut self, tools: impl IntoIterator<Item = FunctionTool>) -> Self {
        self.tools = tools.into_iter().collect();
        self
    }

    /// Adds one tool.
    #[must_use]
    pub fn with_tool(mut self, tool: FunctionTool) -> Self {
        self.tools.push(tool);
        self
    }

    /// Sets how long the client secret stays valid, clamped to OpenAI's
    /// [`MIN_TTL`]`..=`[`MAX_TTL`] (10 seconds to 2 hours) and rounded down to whole
    /// seconds.
    #[must_use]
    pub fn with_ttl(mut self, ttl: Duration) -> Self {
        self.ttl = Duration::from_secs(ttl.as_secs()).clamp(MIN_TTL, MAX_TTL);
        self
    }

    /// The Realtime model.
    pub fn model(&self) -> &str {
        &self.model
    }

    /// The voice.
    pub fn voice(&self) -> &str {
        &self.voice
    }

    /// The instructions, if any.
    pub fn instructions(&self) -> Option<&str> {
        self.instructions.as_deref()
    }

    /// The tools.
    pub fn tools(&self) -> &[FunctionTool] {
        &self.tools
    }

    /// The lifetime of the client secret, already clamped.
    pub fn ttl(&self) -> Duration {
        self.ttl
    }
}

/// A function tool the model may call, as OpenAI describes one:
/// `{"type":"function","name","description","parameters"}`.
///
/// It deserializes from that JSON form too (the `type` field is optional there), so
/// tools built by another crate as `serde_json::Value`s convert with
/// `serde_json::from_value`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FunctionTool {
    /// The name the model calls the tool by.
    pub name: String,
    /// What the tool does and when to use it, written for the model.
    pub description: String,
    /// The JSON Schema of the tool's arguments.
    pub parameters: serde_json::Value,
}

impl FunctionTool {
    /// Describes a tool.
    pub fn new(
        name: impl Into<String>,
        description: impl Into<String>,
        parameters: serde_json::Value,
    ) -> Self {
        Self {
            name: name.into(),
            description: description.into(),
            parameters,
        }
    }
}

/// The body of `POST /realtime/client_secrets`.
#[derive(Debug, Serialize)]
pub(crate) struct MintRequest<'a> {
    expires_after: ExpiresAfter,
    session: WireSession<'a>,
}

#[derive(Debug, Serialize)]
struct ExpiresAfter {
    anchor: &'static str,
    seconds: u64,
}

#[derive(Debug, Serialize)]
struct WireSession<'a> {
    #[serde(rename = "type")]
    kind: &'static str,
    model: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    instructions: Option<&'a str>,
    audio: WireAudio<'a>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    tools: Vec<WireTool<'a>>,
}

#[derive(Debug, Serialize)]
struct WireAudio<'a> {
    output: WireOutput<'a>,
}

#[derive(Debug, Serialize)]
struct WireOutput<'a> {
    voice: &'a str,
}

#[derive(Debug, Serialize)]
struct WireTool<'a> {
    #[serde(rename = "type")]
    kind: &'static str,
    #[serde(flatten)]
    tool: &'a FunctionTool,
}

impl<'a> MintRequest<'a> {
    pub(crate) fn new(config: &'a SessionConfig) -> Self {
        Self {
            expires_after: ExpiresAfter {
                anchor: "created_at",
                seconds: config.ttl.as_secs(),
            },
            session: WireSession {
                kind: "realtime",
                model: &config.model,
                instructions: config.instructions.as_deref(),
                audio: WireAudio {
                    output: WireOutput {
                        voice: &config.voice,
                    },
                },
                tools: config
                    .tools
                    .iter()
                    .map(|tool| WireTool {
                        kind: "function",
                        tool,
                    })
                    .collect(),
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn ttl_is_clamped_to_what_openai_accepts() {
        let ttl = |secs| {
            SessionConfig::new()
                .with_ttl(Duration::from_secs(secs))
                .ttl()
                .as_secs()
        };

        assert_eq!(ttl(0), 10);
        assert_eq!(ttl(9), 10);
        assert_eq!(ttl(10), 10);
        assert_eq!(ttl(600), 600);
        assert_eq!(ttl(7200), 7200);
        assert_eq!(ttl(7201), 7200);
        assert_eq!(ttl(u64::MAX), 7200);
    }

    #[test]
    fn request_without_instructions_or_tools_omits_them() {
        let config = SessionConfig::new();

        let body = serde_json::to_value(MintRequest::new(&config)).unwrap();

        assert_eq!(
            body,
            json!({
                "expires_after": {"anchor": "created_at", "seconds": 60},
                "session": {
                    "type": "realtime",
                    "model": "gpt-realtime",
                    "audio": {"output": {"voice": "marin"}}
                }
            })
        );
    }

    #[test]
    fn function_tool_reads_the_openai_form() {
        let tool: FunctionTool = serde_json::from_value(json!({
            "type": "function",
            "name": "list_projects",
            "description": "List projects.",
            "parameters": {"type": "object", "properties": {}}
        }))
        .unwrap();

        assert_eq!(tool.name, "list_projects");
        assert_eq!(tool.parameters["type"], "object");
    }
}
