//! `Executor::in_process` against a real axum router: the requests a server's own
//! routes receive when it runs tool calls without an HTTP loop back to itself.

use std::sync::{Arc, Mutex};

use axum::extract::Multipart;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde_json::{json, Value};
use voice_tools::{Catalog, Dispatch, DispatchFuture, Error, Executor, UserFile};

const TOKEN: &str = "user-session-token";

/// The API's router answering in process, remembering each request's headers.
#[derive(Clone)]
struct RouterDispatch {
    router: Router,
    seen: Arc<Mutex<Vec<HeaderMap>>>,
}

impl Dispatch for RouterDispatch {
    fn dispatch(&self, request: http::Request<Vec<u8>>) -> DispatchFuture<'_> {
        Box::pin(async move {
            self.seen.lock().unwrap().push(request.headers().clone());
            let request = request.map(axum::body::Body::from);
            let response = tower::ServiceExt::oneshot(self.router.clone(), request)
                .await
                .unwrap_or_else(|never| match never {});
            let (parts, body) = response.into_parts();
            let body = axum::body::to_bytes(body, 1 << 20)
                .await
                .map_err(|error| Error::Dispatch(error.into()))?;
            Ok(http::Response::from_parts(parts, body.to_vec()))
        })
    }
}

fn api() -> Router {
    Router::new()
        .route(
            "/api/v1/projects",
            get(|headers: HeaderMap| async move {
                let bearer = headers["authorization"].to_str().unwrap().to_owned();
                Json(json!([{"id": "p1", "bearer": bearer}]))
            })
            .post(|Json(body): Json<Value>| async move {
                (StatusCode::CREATED, Json(json!({"id": "p2", "name": body["name"]})))
            }),
        )
        .route(
            "/api/v1/connectors/{key}/revoke",
            post(|| async {
                (
                    StatusCode::NOT_FOUND,
                    Json(json!({"error": {"code": "not_connected", "message": "slack is not connected"}})),
                )
            }),
        )
        .route("/api/v1/files", post(upload))
}

async fn upload(mut form: Multipart) -> Json<Value> {
    let mut parts = Vec::new();
    while let Some(field) = form.next_field().await.unwrap() {
        let name = field.name().map(str::to_owned);
        let file_name = field.file_name().map(str::to_owned);
        let content_type = field.content_type().map(str::to_owned);
        let text = String::from_utf8(field.bytes().await.unwrap().to_vec()).unwrap();
        parts.push(json!({"name": name, "file_name": file_name, "content_type": content_type, "text": text}));
    }
    Json(Value::Array(parts))
}

fn executor() -> (Executor, Arc<Mutex<Vec<HeaderMap>>>) {
    let seen = Arc::new(Mutex::new(Vec::new()));
    let dispatch = RouterDispatch {
        router: api(),
        seen: Arc::clone(&seen),
    };
    (Executor::in_process(dispatch), seen)
}

fn catalog() -> Catalog {
    Catalog::new(["slack"])
}

#[tokio::test]
async fn a_call_reaches_the_route_as_the_bearer_and_returns_its_answer() {
    let (executor, seen) = executor();

    let listed = executor
        .execute(&catalog(), "list_projects", &json!({}), TOKEN)
        .await
        .unwrap();
    let created = executor
        .execute(
            &catalog(),
            "create_project",
            &json!({"name": "Garden"}),
            TOKEN,
        )
        .await
        .unwrap();

    assert_eq!(
        listed,
        json!([{"id": "p1", "bearer": format!("Bearer {TOKEN}")}])
    );
    assert_eq!(created, json!({"id": "p2", "name": "Garden"}));
    let seen = seen.lock().unwrap();
    assert_eq!(seen.len(), 2);
    assert!(seen
        .iter()
        .all(|headers| headers["accept"] == "application/json"));
    assert!(
        seen[0]["authorization"].is_sensitive(),
        "the token is marked sensitive"
    );
    assert_eq!(seen[1]["content-type"], "application/json");
}

#[tokio::test]
async fn an_error_answer_of_the_route_is_the_api_error() {
    let (executor, _) = executor();

    let error = executor
        .execute(
            &catalog(),
            "revoke_connector",
            &json!({"key": "slack"}),
            TOKEN,
        )
        .await
        .unwrap_err();

    let Error::Api { status, .. } = &error else {
        panic!("{error:?}")
    };
    assert_eq!(*status, StatusCode::NOT_FOUND);
    assert_eq!(error.code(), "not_connected");
    assert_eq!(
        error.to_string(),
        "the api answered 404 Not Found: slack is not connected"
    );
}

#[tokio::test]
async fn a_file_goes_to_the_route_as_a_multipart_form_it_can_parse() {
    let (executor, _) = executor();
    let call = catalog().validate("upload_file", &json!({})).unwrap();
    let file = UserFile::new("notes \"v2\".txt", b"hello donna\r\n--".to_vec())
        .with_content_type("text/plain");

    let parts = executor.send_with_file(&call, file, TOKEN).await.unwrap();

    assert_eq!(
        parts,
        json!([{"name": "file", "file_name": "notes %22v2%22.txt", "content_type": "text/plain", "text": "hello donna\r\n--"}])
    );
}

#[tokio::test]
async fn a_malformed_media_type_is_refused_before_dispatch() {
    let (executor, seen) = executor();
    let call = catalog().validate("upload_file", &json!({})).unwrap();
    let file = UserFile::new("a.txt", b"x".to_vec()).with_content_type("not a type");

    let error = executor
        .send_with_file(&call, file, TOKEN)
        .await
        .unwrap_err();

    assert_eq!(error.code(), "invalid_arguments", "{error:?}");
    assert!(
        error
            .to_string()
            .contains("`not a type` is not a media type"),
        "{error}"
    );
    assert!(seen.lock().unwrap().is_empty(), "nothing was sent");
}

#[tokio::test]
async fn a_dispatch_that_cannot_answer_is_unreachable_and_a_bad_token_is_refused() {
    struct Broken;
    impl Dispatch for Broken {
        fn dispatch(&self, _: http::Request<Vec<u8>>) -> DispatchFuture<'_> {
            Box::pin(async { Err(Error::Dispatch("the router is gone".into())) })
        }
    }
    let executor = Executor::in_process(Broken);

    let broken = executor
        .execute(&catalog(), "list_projects", &json!({}), TOKEN)
        .await
        .unwrap_err();
    let bad_token = executor
        .execute(&catalog(), "list_projects", &json!({}), "line\nbreak")
        .await
        .unwrap_err();

    assert_eq!(broken.code(), "unreachable");
    assert_eq!(
        broken.to_string(),
        "the api could not run the call: the router is gone"
    );
    assert_eq!(bad_token.code(), "unreachable");
    assert!(
        !bad_token.to_string().contains("line"),
        "the token is not echoed: {bad_token}"
    );
}
