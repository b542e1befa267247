//! Run with: `cargo run -p example-events`
//!
//! Subscribes to a `ConnectorAuthService`'s lifecycle events, connects and disconnects
//! an SMTP server, and prints what the subscriber heard.

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    for event in example_events::connect_and_disconnect().await? {
        println!(
            "{} {} {}",
            event.event_type,
            event.connector.as_deref().unwrap_or("-"),
            serde_json::Value::Object(event.data)
        );
    }
    Ok(())
}
