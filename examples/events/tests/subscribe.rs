//! The example's subscriber hears each change once, in order, without a secret.

use connectors_core::EventType;

#[tokio::test]
async fn a_subscriber_hears_the_connection_then_the_revocation() {
    let heard = example_events::connect_and_disconnect().await.unwrap();

    let types: Vec<EventType> = heard.iter().map(|event| event.event_type).collect();
    assert_eq!(types, [EventType::Connected, EventType::Revoked]);
    assert_eq!(heard[0].data["reconnected"], false);
    assert!(heard
        .iter()
        .all(|event| event.connector.as_deref() == Some("smtp")));
    let printed = format!("{heard:?}");
    assert!(!printed.contains("app-password"), "{printed}");
}
