//! `GET /connectors` with a strong `ETag`: `304` and no body while the list has not
//! changed, the new list at once after a write through the server.

use serde_json::{json, Value};

use crate::helpers::*;

async fn list_with(
    app: &TestApp,
    client: &reqwest::Client,
    etag: Option<&str>,
) -> reqwest::Response {
    let mut request = client.get(app.url("/connectors"));
    if let Some(etag) = etag {
        request = request.header("if-none-match", etag);
    }
    request.send().await.unwrap()
}

#[tokio::test]
async fn the_connector_list_is_revalidated_by_etag_and_changes_with_a_write() {
    // Arrange
    let app = spawn_app().await;
    app.sign_up("ada@example.com").await;

    // Act: a first read, then a revalidation.
    let first = list_with(&app, &app.client, None).await;
    assert_eq!(first.status(), 200);
    assert_eq!(first.headers()["cache-control"], "private, no-cache");
    assert_eq!(first.headers()["content-type"], "application/json");
    let etag = first.headers()["etag"].to_str().unwrap().to_owned();
    assert!(
        etag.starts_with('"') && etag.ends_with('"'),
        "a strong tag: {etag}"
    );
    let cards: Vec<Value> = first.json().await.unwrap();
    assert_eq!(cards.len(), 9);
    let unchanged = list_with(&app, &app.client, Some(&etag)).await;

    // Assert: nothing moves while nothing changed…
    assert_eq!(unchanged.status(), 304);
    assert_eq!(unchanged.headers()["etag"], etag.as_str());
    assert!(unchanged.bytes().await.unwrap().is_empty());
    let weak = list_with(&app, &app.client, Some(&format!("W/{etag}"))).await;
    assert_eq!(weak.status(), 304, "If-None-Match compares weakly");

    // …and a write through the server is seen at once, under a new tag.
    let saved = app
        .post_json(
            "/connectors/hostinger/config?verify=false",
            &json!({"api_token": "hostinger-token-0123456789"}),
        )
        .await;
    assert_eq!(saved.status(), 200);
    let changed = list_with(&app, &app.client, Some(&etag)).await;
    assert_eq!(changed.status(), 200);
    let new_etag = changed.headers()["etag"].to_str().unwrap().to_owned();
    assert_ne!(new_etag, etag);
    let cards: Vec<Value> = changed.json().await.unwrap();
    let hostinger = cards
        .iter()
        .find(|card| card["key"] == "hostinger")
        .unwrap();
    assert_eq!(hostinger["status"], "active");

    // Another user holding Ada's tag gets their own list, not a 304 of hers.
    let (bob, _) = app.other_user("bob@example.com").await;
    let theirs = list_with(&app, &bob, Some(&new_etag)).await;
    assert_eq!(theirs.status(), 200);
    let cards: Vec<Value> = theirs.json().await.unwrap();
    let hostinger = cards
        .iter()
        .find(|card| card["key"] == "hostinger")
        .unwrap();
    assert_eq!(hostinger["status"], "inactive");
    // Without a session there is nothing to revalidate.
    let anonymous = list_with(&app, &browser(), Some(&new_etag)).await;
    assert_eq!(anonymous.status(), 401);
}
