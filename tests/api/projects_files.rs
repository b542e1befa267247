//! Projects and files: the "existing APIs" the voice tools drive.

use serde_json::{json, Value};

use crate::helpers::*;

#[tokio::test]
async fn projects_are_created_listed_and_private_to_their_user() {
    let app = spawn_app().await;
    app.sign_up("ada@example.com").await;
    let created = app
        .post_json(
            "/projects",
            &json!({"name": "  Apollo  ", "description": "Moon"}),
        )
        .await;
    assert_eq!(created.status(), 201);
    let project: Value = created.json().await.unwrap();
    assert_eq!(project["name"], "Apollo");
    assert!(project["id"].as_str().unwrap().len() == 36);

    let (bob, _) = app.other_user("bob@example.com").await;
    let bobs: Vec<Value> = bob
        .get(app.url("/projects"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(bobs.is_empty());
    let mine: Vec<Value> = app.get("/projects").await.json().await.unwrap();
    assert_eq!(mine.len(), 1);
}

#[tokio::test]
async fn bad_projects_name_the_field_and_create_nothing() {
    let app = spawn_app().await;
    app.sign_up("ada@example.com").await;
    for (body, field) in [
        (json!({"name": ""}), "name"),
        (json!({"name": "x".repeat(201)}), "name"),
        (json!({"description": "no name"}), "name"),
        (
            json!({"name": "ok", "description": "d".repeat(2001)}),
            "description",
        ),
        (json!({"name": "ok", "colour": "red"}), "colour"),
    ] {
        let response = app.post_json("/projects", &body).await;
        assert_eq!(response.status(), 422, "{body}");
        let error: Value = response.json().await.unwrap();
        assert!(
            error["error"]["message"].as_str().unwrap().contains(field),
            "{error}"
        );
    }
    let projects: Vec<Value> = app.get("/projects").await.json().await.unwrap();
    assert!(projects.is_empty());
}

fn upload(name: &str, bytes: Vec<u8>) -> reqwest::multipart::Form {
    reqwest::multipart::Form::new().part(
        "file",
        reqwest::multipart::Part::bytes(bytes)
            .file_name(name.to_owned())
            .mime_str("text/plain")
            .unwrap(),
    )
}

#[tokio::test]
async fn a_file_is_uploaded_listed_and_downloaded_by_its_owner_only() {
    let app = spawn_app().await;
    app.sign_up("ada@example.com").await;
    let response = app
        .client
        .post(app.url("/files"))
        .multipart(upload("../notes.txt", b"hello donna".to_vec()))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 201);
    let file: Value = response.json().await.unwrap();
    assert_eq!(file["filename"], "notes.txt");
    assert_eq!(file["size"], 11);

    let files: Vec<Value> = app.get("/files").await.json().await.unwrap();
    assert_eq!(files.len(), 1);
    let id = file["id"].as_str().unwrap();
    let download = app.get(&format!("/files/{id}")).await;
    assert_eq!(download.status(), 200);
    assert_eq!(download.bytes().await.unwrap().as_ref(), b"hello donna");

    let (bob, _) = app.other_user("bob@example.com").await;
    assert_eq!(
        bob.get(app.url(&format!("/files/{id}")))
            .send()
            .await
            .unwrap()
            .status(),
        404
    );
    let bobs: Vec<Value> = bob
        .get(app.url("/files"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(bobs.is_empty());
}

#[tokio::test]
async fn an_upload_over_the_limit_is_refused_and_leaves_nothing() {
    let app = spawn_app_with(Backend::Sqlite, &[("MAX_UPLOAD_BYTES", "1024")]).await;
    app.sign_up("ada@example.com").await;
    let response = app
        .client
        .post(app.url("/files"))
        .multipart(upload("big.bin", vec![7u8; 4096]))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 413);
    let files: Vec<Value> = app.get("/files").await.json().await.unwrap();
    assert!(files.is_empty());
    let stored = std::fs::read_dir(app.data_dir.path().join("files"))
        .map(|dir| dir.count())
        .unwrap_or(0);
    assert_eq!(stored, 0);

    let no_file = app
        .client
        .post(app.url("/files"))
        .multipart(reqwest::multipart::Form::new().text("other", "x"))
        .send()
        .await
        .unwrap();
    assert_eq!(no_file.status(), 422);
    let body: Value = no_file.json().await.unwrap();
    assert_eq!(
        body["error"]["fields"][0]["code"], "unknown_field",
        "{body}"
    );

    let two = reqwest::multipart::Form::new()
        .part(
            "file",
            reqwest::multipart::Part::bytes(b"one".to_vec()).file_name("a.txt"),
        )
        .part(
            "file",
            reqwest::multipart::Part::bytes(b"two".to_vec()).file_name("b.txt"),
        );
    let two_files = app
        .client
        .post(app.url("/files"))
        .multipart(two)
        .send()
        .await
        .unwrap();
    assert_eq!(two_files.status(), 422);
    let body: Value = two_files.json().await.unwrap();
    assert_eq!(body["error"]["fields"][0]["field"], "file", "{body}");
    assert_eq!(body["error"]["fields"][0]["code"], "one_file", "{body}");
    let files: Vec<Value> = app.get("/files").await.json().await.unwrap();
    assert!(files.is_empty(), "nothing kept of the refused uploads");
}
