//! Sign-up, login, sessions, origin checks and the API's error shape.

use serde_json::{json, Value};

use crate::helpers::*;

#[tokio::test]
async fn signup_sets_a_hardened_session_cookie_and_returns_a_token() {
    let app = spawn_app().await;
    let response = app
        .post_json(
            "/auth/signup",
            &json!({"email": "Ada@Example.com", "password": "correct horse battery"}),
        )
        .await;
    assert_eq!(response.status(), 201);
    let cookie = response.headers()["set-cookie"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(cookie.starts_with("session="));
    assert!(cookie.contains("HttpOnly"));
    assert!(cookie.contains("SameSite=Lax"));
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["user"]["email"], "ada@example.com");
    assert!(body["token"].as_str().unwrap().len() >= 43);
    assert!(body["user"].get("password_hash").is_none());

    let me: Value = app.get("/auth/me").await.json().await.unwrap();
    assert_eq!(me["user"]["email"], "ada@example.com");
}

#[tokio::test]
async fn the_bearer_token_authenticates_like_the_cookie() {
    let app = spawn_app().await;
    let token = app.sign_up("ada@example.com").await;
    let response = browser()
        .get(app.url("/connectors"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let wrong = browser()
        .get(app.url("/connectors"))
        .bearer_auth("not-a-session")
        .send()
        .await
        .unwrap();
    assert_eq!(wrong.status(), 401);
}

#[tokio::test]
async fn login_rotates_the_session_and_logout_ends_it_server_side() {
    let app = spawn_app().await;
    let first = app.sign_up("ada@example.com").await;
    let response = app
        .post_json(
            "/auth/login",
            &json!({"email": "ada@example.com", "password": "correct horse battery"}),
        )
        .await;
    assert_eq!(response.status(), 200);
    let second = response.json::<Value>().await.unwrap()["token"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_ne!(first, second);

    let logout = browser()
        .post(app.url("/auth/logout"))
        .bearer_auth(&second)
        .send()
        .await
        .unwrap();
    assert_eq!(logout.status(), 204);
    let after = browser()
        .get(app.url("/auth/me"))
        .bearer_auth(&second)
        .send()
        .await
        .unwrap();
    assert_eq!(after.status(), 401);
    let replaced = browser()
        .get(app.url("/auth/me"))
        .bearer_auth(&first)
        .send()
        .await
        .unwrap();
    assert_eq!(
        replaced.status(),
        401,
        "the pre-login session ended at login"
    );
}

#[tokio::test]
async fn sessions_of_other_browsers_survive_a_login_elsewhere() {
    let app = spawn_app().await;
    let first = app.sign_up("ada@example.com").await;
    let elsewhere = browser()
        .post(app.url("/auth/login"))
        .json(&json!({"email": "ada@example.com", "password": "correct horse battery"}))
        .send()
        .await
        .unwrap();
    assert_eq!(elsewhere.status(), 200);
    let still = browser()
        .get(app.url("/auth/me"))
        .bearer_auth(&first)
        .send()
        .await
        .unwrap();
    assert_eq!(still.status(), 200);
}

#[tokio::test]
async fn wrong_credentials_get_401_and_a_taken_email_409() {
    let app = spawn_app().await;
    app.sign_up("ada@example.com").await;
    for body in [
        json!({"email": "ada@example.com", "password": "wrong password!"}),
        json!({"email": "nobody@example.com", "password": "correct horse battery"}),
    ] {
        let response = app.post_json("/auth/login", &body).await;
        assert_eq!(response.status(), 401);
        let body: Value = response.json().await.unwrap();
        assert_eq!(body["error"]["code"], "invalid_credentials");
    }
    let taken = app
        .post_json(
            "/auth/signup",
            &json!({"email": "ADA@example.com", "password": "another password"}),
        )
        .await;
    assert_eq!(taken.status(), 409);
}

#[tokio::test]
async fn bad_signups_name_the_field_and_create_nothing() {
    let app = spawn_app().await;
    for (body, field) in [
        (
            json!({"email": "not-an-email", "password": "correct horse battery"}),
            "email",
        ),
        (
            json!({"email": "ada@example.com", "password": "short"}),
            "password",
        ),
        (json!({"email": "ada@example.com"}), "password"),
        (
            json!({"email": 42, "password": "correct horse battery"}),
            "email",
        ),
    ] {
        let response = app.post_json("/auth/signup", &body).await;
        assert_eq!(response.status(), 422, "{body}");
        let error: Value = response.json().await.unwrap();
        assert_eq!(error["error"]["code"], "validation_failed");
        assert_eq!(error["error"]["fields"][0]["field"], field, "{body}");
        assert!(error["error"]["message"].as_str().unwrap().contains(field));
    }
    let malformed = app
        .client
        .post(app.url("/auth/signup"))
        .header("content-type", "application/json")
        .body("{not json")
        .send()
        .await
        .unwrap();
    assert_eq!(malformed.status(), 400);
    assert_eq!(app.count_rows("users").await, 0);
}

#[tokio::test]
async fn login_is_rate_limited_per_client_with_retry_after() {
    let app = spawn_app_with(Backend::Sqlite, &[("LOGIN_ATTEMPTS_PER_MINUTE", "3")]).await;
    let body = json!({"email": "x@example.com", "password": "whatever123"});
    let attempt = || app.post_json("/auth/login", &body);
    for _ in 0..3 {
        assert_eq!(attempt().await.status(), 401);
    }
    let limited = attempt().await;
    assert_eq!(limited.status(), 429);
    let retry_after: u64 = limited.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=60).contains(&retry_after));
    let body: Value = limited.json().await.unwrap();
    assert_eq!(body["error"]["code"], "rate_limited");
}

#[tokio::test]
async fn state_changing_requests_from_a_foreign_origin_are_refused() {
    let app = spawn_app().await;
    app.sign_up("ada@example.com").await;
    let response = app
        .client
        .post(app.url("/projects"))
        .header("origin", "https://evil.example")
        .json(&json!({"name": "csrf"}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 403);
    let same_origin = app
        .client
        .post(app.url("/projects"))
        .header("origin", app.address.as_str())
        .json(&json!({"name": "mine"}))
        .send()
        .await
        .unwrap();
    assert_eq!(same_origin.status(), 201);
    let projects: Vec<Value> = app.get("/projects").await.json().await.unwrap();
    assert_eq!(projects.len(), 1);
}

#[tokio::test]
async fn health_and_openapi_answer_without_a_user() {
    let app = spawn_app().await;
    assert_eq!(
        browser()
            .get(app.url("/healthz"))
            .send()
            .await
            .unwrap()
            .status(),
        200
    );
    let doc: Value = browser()
        .get(app.url("/openapi.json"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(doc["openapi"].as_str().unwrap().starts_with("3."));
    for route in [
        "/api/v1/connectors",
        "/api/v1/connectors/{key}/callback",
        "/api/v1/auth/signup",
    ] {
        assert!(doc["paths"].get(route).is_some(), "{route} documented");
    }
    let unknown = browser().get(app.url("/nope")).send().await.unwrap();
    assert_eq!(unknown.status(), 404);
    let body: Value = unknown.json().await.unwrap();
    assert_eq!(body["error"]["code"], "not_found");
}

#[tokio::test]
async fn the_dashboard_is_served_with_its_spa_fallback_without_shadowing_the_api() {
    // The README's test command builds frontend/dist before the Rust tests.
    let app = spawn_app().await;
    let index = browser()
        .get(format!("{}/", app.address))
        .send()
        .await
        .unwrap();
    assert_eq!(index.status(), 200);
    assert!(index.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/html"));
    assert_eq!(index.headers()["cache-control"], "no-cache");
    let html = index.text().await.unwrap();

    let client_route = browser()
        .get(format!(
            "{}/connectors/callback/google_calendar?status=success",
            app.address
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(client_route.status(), 200);
    assert_eq!(
        client_route.text().await.unwrap(),
        html,
        "client routes get the app"
    );

    let script = html
        .split('"')
        .find(|part| part.starts_with("/assets/") && part.ends_with(".js"))
        .expect("index.html references a hashed script");
    let asset = browser()
        .get(format!("{}{script}", app.address))
        .send()
        .await
        .unwrap();
    assert_eq!(asset.status(), 200);
    assert!(asset.headers()["content-type"]
        .to_str()
        .unwrap()
        .contains("javascript"));
    assert!(asset.headers()["cache-control"]
        .to_str()
        .unwrap()
        .contains("immutable"));

    let missing_asset = browser()
        .get(format!("{}/assets/nope.js", app.address))
        .send()
        .await
        .unwrap();
    assert_eq!(missing_asset.status(), 404);
    let api = browser()
        .get(format!("{}/api/v1/nope", app.address))
        .send()
        .await
        .unwrap();
    assert_eq!(api.status(), 404);
    assert_eq!(
        api.json::<Value>().await.unwrap()["error"]["code"],
        "not_found"
    );
}
