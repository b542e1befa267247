//! `minio`: a SigV4-signed ListObjectsV2 against a real signature-checking S3 server
//! (s3s-fs, started by each test on a random port over a temporary directory).

use std::process::Command;

use connectors_core::{ConnectorStatus, Error};
use secrecy::ExposeSecret;
use serde_json::{json, Value};
use uuid::Uuid;

use crate::support::{self, refused_fields, status, stored, Peer};

const INSTALL: &str =
    "the minio tests need s3s-fs on PATH: cargo install s3s-fs@0.14.1 --features binary --locked";
const ACCESS_KEY: &str = "donna-access";
const SECRET_KEY: &str = "donna-secret-key-0123456789";
const BUCKET: &str = "donna-files";

/// s3s-fs serving a temporary directory holding the bucket `donna-files`.
struct S3 {
    peer: Peer,
    _root: tempfile::TempDir,
}

impl S3 {
    async fn start() -> Self {
        let root = tempfile::tempdir().unwrap();
        std::fs::create_dir(root.path().join(BUCKET)).unwrap();
        std::fs::write(root.path().join(BUCKET).join("hello.txt"), "hello").unwrap();
        let port = support::closed_port();
        let mut command = Command::new("s3s-fs");
        command
            .args(["--host", "127.0.0.1", "--port", &port.to_string()])
            .args(["--access-key", ACCESS_KEY, "--secret-key", SECRET_KEY])
            .arg(root.path());
        let peer = Peer::listening(command, port, INSTALL).await;
        Self { peer, _root: root }
    }

    fn endpoint(&self) -> String {
        format!("http://127.0.0.1:{}", self.peer.port)
    }

    fn fields(&self) -> Value {
        json!({
            "endpoint": self.endpoint(),
            "access_key": ACCESS_KEY,
            "secret_key": SECRET_KEY,
            "bucket": BUCKET
        })
    }
}

fn valid() -> Value {
    json!({
        "endpoint": "https://minio.example.com:9000",
        "access_key": ACCESS_KEY,
        "secret_key": SECRET_KEY,
        "bucket": BUCKET,
        "region": "eu-west-1"
    })
}

#[tokio::test]
async fn minio_saves_keys_the_server_accepts_for_the_bucket() {
    let s3 = S3::start().await;
    let service = support::service();
    let user = Uuid::new_v4();

    service
        .save_config(user, "minio", &s3.fields(), true)
        .await
        .unwrap();

    let credentials = stored(&service, user, "minio").await.unwrap();
    assert_eq!(
        credentials.secrets["secret_key"].expose_secret(),
        SECRET_KEY
    );
    let view = service.connector_view(user, "minio").await.unwrap();
    assert_eq!(view.status, ConnectorStatus::Active);
    assert_eq!(view.secret_fields, ["secret_key"]);
    assert_eq!(
        Value::Object(view.config.unwrap()),
        json!({"endpoint": s3.endpoint(), "access_key": ACCESS_KEY, "bucket": BUCKET,
               "region": "us-east-1"})
    );
}

#[tokio::test]
async fn minio_rejects_a_wrong_secret_key_as_the_server_says() {
    let s3 = S3::start().await;
    let mut fields = s3.fields();
    fields["secret_key"] = "not-the-secret".into();
    let service = support::service();
    let user = Uuid::new_v4();

    let error = service
        .save_config(user, "minio", &fields, true)
        .await
        .unwrap_err();

    assert!(
        matches!(&error, Error::Rejected { message } if message.contains("SignatureDoesNotMatch")),
        "{error:?}"
    );
    assert!(stored(&service, user, "minio").await.is_none());
}

#[tokio::test]
async fn minio_rejects_an_unknown_access_key() {
    let s3 = S3::start().await;
    let mut fields = s3.fields();
    fields["access_key"] = "someone-else".into();

    let error = support::service()
        .save_config(Uuid::new_v4(), "minio", &fields, true)
        .await
        .unwrap_err();

    assert!(matches!(error, Error::Rejected { .. }), "{error:?}");
}

#[tokio::test]
async fn minio_a_missing_bucket_is_a_bucket_field_error() {
    let s3 = S3::start().await;
    let mut fields = s3.fields();
    fields["bucket"] = "no-such-bucket".into();

    let error = support::service()
        .save_config(Uuid::new_v4(), "minio", &fields, true)
        .await
        .unwrap_err();

    assert_eq!(refused_fields(&error), ["bucket"]);
}

#[tokio::test]
async fn minio_a_server_that_is_down_is_not_a_rejection() {
    let mut fields = valid();
    fields["endpoint"] = format!("http://127.0.0.1:{}", support::closed_port()).into();

    let error = support::service()
        .save_config(Uuid::new_v4(), "minio", &fields, true)
        .await
        .unwrap_err();

    assert!(matches!(error, Error::Http(_)), "{error:?}");
}

#[tokio::test]
async fn minio_names_each_bad_field() {
    let service = support::service();
    let with = |field: &str, value: Value| {
        let mut fields = valid();
        fields[field] = value;
        fields
    };
    let without = |field: &str| {
        let mut fields = valid();
        fields.as_object_mut().unwrap().remove(field);
        fields
    };
    let cases = [
        (without("endpoint"), "endpoint"),
        (
            with("endpoint", json!("minio.example.com:9000")),
            "endpoint",
        ),
        (
            with("endpoint", json!("ftp://minio.example.com")),
            "endpoint",
        ),
        (
            with("endpoint", json!("https://minio.example.com/donna-files")),
            "endpoint",
        ),
        (
            with("endpoint", json!("https://key:secret@minio.example.com")),
            "endpoint",
        ),
        (without("access_key"), "access_key"),
        (with("access_key", json!("")), "access_key"),
        (without("secret_key"), "secret_key"),
        (with("secret_key", json!(12)), "secret_key"),
        (without("bucket"), "bucket"),
        (with("bucket", json!("Donna_Files")), "bucket"),
        (with("bucket", json!("ab")), "bucket"),
        (with("region", json!("EU West")), "region"),
        (with("region", json!(1)), "region"),
        (with("path_style", json!(true)), "path_style"),
    ];
    for (fields, field) in cases {
        let error = service
            .save_config(Uuid::new_v4(), "minio", &fields, false)
            .await
            .unwrap_err();
        assert_eq!(refused_fields(&error), [field], "{fields}");
    }
}

#[tokio::test]
async fn minio_region_defaults_to_us_east_1_and_null_means_default() {
    let service = support::service();
    let user = Uuid::new_v4();
    let mut fields = valid();
    fields["region"] = Value::Null;

    service
        .save_config(user, "minio", &fields, false)
        .await
        .unwrap();

    let credentials = stored(&service, user, "minio").await.unwrap();
    assert_eq!(credentials.public["region"], "us-east-1");
    assert_eq!(
        credentials.public["endpoint"],
        "https://minio.example.com:9000"
    );
}

#[tokio::test]
async fn minio_refuses_private_endpoints_when_the_deployment_blocks_them() {
    let s3 = S3::start().await;
    let service = support::service().with_block_private_targets(true);
    for endpoint in [
        s3.endpoint(),
        format!("http://localhost:{}", s3.peer.port),
        "http://[::1]:9000".to_owned(),
        "http://192.168.0.10:9000".to_owned(),
    ] {
        let mut fields = s3.fields();
        fields["endpoint"] = endpoint.clone().into();
        for verify in [true, false] {
            let error = service
                .save_config(Uuid::new_v4(), "minio", &fields, verify)
                .await
                .unwrap_err();
            assert_eq!(
                refused_fields(&error),
                ["endpoint"],
                "{endpoint}, verify={verify}"
            );
        }
    }
}

#[tokio::test]
async fn minio_revoke_forgets_the_keys() {
    let service = support::service();
    let user = Uuid::new_v4();
    service
        .save_config(user, "minio", &valid(), false)
        .await
        .unwrap();

    service.revoke(user, "minio").await.unwrap();

    assert!(stored(&service, user, "minio").await.is_none());
    assert_eq!(
        status(&service, user, "minio").await,
        ConnectorStatus::Inactive
    );
}

#[tokio::test]
async fn minio_puts_a_file_and_lists_it_under_its_prefix() {
    let s3 = S3::start().await;
    let service = support::service();
    let user = Uuid::new_v4();
    service
        .save_config(user, "minio", &s3.fields(), true)
        .await
        .unwrap();
    let object = connectors_providers::minio::NewObject {
        key: "reports/Q1 summary+final.txt".to_owned(),
        content_type: Some("text/plain".to_owned()),
        bytes: b"quarter one".to_vec(),
    };

    let put = connectors_providers::minio::put_object(&service, user, &object)
        .await
        .unwrap();
    let under = connectors_providers::minio::list_objects(&service, user, Some("reports/"), 10)
        .await
        .unwrap();
    let everything = connectors_providers::minio::list_objects(&service, user, None, 10)
        .await
        .unwrap();

    assert_eq!(put.bucket, BUCKET);
    assert_eq!(put.size, 11);
    assert_eq!(
        std::fs::read(
            s3._root
                .path()
                .join(BUCKET)
                .join("reports/Q1 summary+final.txt")
        )
        .unwrap(),
        b"quarter one",
        "the bytes are in the bucket, at the key as written"
    );
    assert_eq!(under.len(), 1);
    assert_eq!(under[0].key, "reports/Q1 summary+final.txt");
    assert_eq!(under[0].size, 11);
    let keys: Vec<&str> = everything
        .iter()
        .map(|object| object.key.as_str())
        .collect();
    assert_eq!(keys, ["hello.txt", "reports/Q1 summary+final.txt"]);
}

#[tokio::test]
async fn minio_actions_with_keys_revoked_since_are_rejections() {
    let s3 = S3::start().await;
    let service = support::service();
    let user = Uuid::new_v4();
    let mut fields = s3.fields();
    fields["secret_key"] = json!("a-secret-key-changed-since-00");
    service
        .save_config(user, "minio", &fields, false)
        .await
        .unwrap();

    let error = connectors_providers::minio::list_objects(&service, user, None, 10)
        .await
        .unwrap_err();

    assert!(
        matches!(&error, Error::Rejected { message } if message.contains("SignatureDoesNotMatch")),
        "{error:?}"
    );
    assert!(!format!("{error:?}").contains("a-secret-key-changed-since-00"));
}
