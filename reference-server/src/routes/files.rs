//! Files: multipart upload stored under the data folder, listing and download of the
//! user's own files.

use std::path::PathBuf;

use axum::body::Body;
use axum::extract::{Multipart, Path, State};
use axum::http::header::{
    CONTENT_DISPOSITION, CONTENT_SECURITY_POLICY, CONTENT_TYPE, X_CONTENT_TYPE_OPTIONS,
};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use time::OffsetDateTime;
use tokio::io::AsyncWriteExt;
use uuid::Uuid;

use crate::auth::AuthUser;
use crate::db::{Database, FileRecord};
use crate::error::ApiError;
use crate::state::AppState;
use crate::validate;

/// The user's files, newest first.
#[utoipa::path(get, path = "/api/v1/files", tag = "files", responses((status = 200, body = [FileRecord])))]
pub async fn list(
    State(state): State<AppState>,
    AuthUser(user): AuthUser,
) -> Result<Json<Vec<FileRecord>>, ApiError> {
    Ok(Json(
        state
            .db
            .list_files(user)
            .await
            .map_err(|error| ApiError::internal(&error))?,
    ))
}

/// The multipart body of an upload: one part named `file` (its file name and content
/// type come from the part's headers). Any other part is refused.
#[derive(Debug)]
pub struct Upload;

impl utoipa::PartialSchema for Upload {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        use utoipa::openapi::schema::{
            AdditionalProperties, KnownFormat, ObjectBuilder, SchemaFormat, Type,
        };
        ObjectBuilder::new()
            .property(
                "file",
                ObjectBuilder::new()
                    .schema_type(Type::String)
                    .format(Some(SchemaFormat::KnownFormat(KnownFormat::Binary)))
                    .description(Some("the file's bytes")),
            )
            .required("file")
            .additional_properties(Some(
                AdditionalProperties::<utoipa::openapi::schema::Schema>::FreeForm(false),
            ))
            .into()
    }
}

impl utoipa::ToSchema for Upload {}

/// Uploads one file (multipart field `file`), up to `MAX_UPLOAD_BYTES`.
#[utoipa::path(post, path = "/api/v1/files", tag = "files",
    request_body(content = Upload, content_type = "multipart/form-data", description = "field `file`"),
    responses((status = 201, body = FileRecord), (status = 413, description = "too large"), (status = 422, description = "no file")))]
pub async fn upload(
    State(state): State<AppState>,
    AuthUser(user): AuthUser,
    mut multipart: Multipart,
) -> Result<(StatusCode, Json<FileRecord>), ApiError> {
    let limit = state.settings.max_upload_bytes;
    let directory = files_directory(&state.settings.data_dir);
    let mut received: Option<(PendingFile, FileRecord)> = None;
    while let Some(mut field) = multipart.next_field().await.map_err(multipart_error)? {
        match field.name() {
            Some("file") if received.is_none() => {}
            Some("file") => return Err(ApiError::invalid_field("file", "send one file")),
            other => {
                let name = other.unwrap_or_default().escape_default().to_string();
                return Err(ApiError::invalid_field(
                    if name.is_empty() { "body" } else { &name },
                    "unknown field: send only the part `file`",
                ));
            }
        }
        let filename = upload_filename(field.file_name())?;
        let content_type = field
            .content_type()
            .unwrap_or("application/octet-stream")
            .to_owned();
        let id = Uuid::new_v4();
        // Written under a temporary name, removed on every way out (an error, a client
        // that goes away and drops this future) until its row exists.
        let stored = PendingFile::new(directory.join(format!("{PARTIAL_PREFIX}{id}")));
        let mut file = tokio::fs::File::create(stored.path())
            .await
            .map_err(|error| ApiError::internal(&error))?;
        let mut size = 0usize;
        while let Some(chunk) = field.chunk().await.map_err(multipart_error)? {
            size += chunk.len();
            if size > limit {
                return Err(too_large(limit));
            }
            file.write_all(&chunk)
                .await
                .map_err(|error| ApiError::internal(&error))?;
        }
        file.sync_all()
            .await
            .map_err(|error| ApiError::internal(&error))?;
        let record = FileRecord {
            id,
            filename,
            content_type,
            size: size as i64,
            created_at: OffsetDateTime::now_utc().unix_timestamp(),
        };
        received = Some((stored, record));
    }
    let Some((mut stored, record)) = received else {
        return Err(ApiError::invalid_field(
            "file",
            "send the file in a multipart field named `file`",
        ));
    };
    // A rename is a metadata update: done here, with no await point, so the guard
    // always knows where the file is.
    stored
        .rename(directory.join(record.id.to_string()))
        .map_err(|error| ApiError::internal(&error))?;
    state
        .db
        .create_file(user, &record)
        .await
        .map_err(|error| ApiError::internal(&error))?;
    stored.keep();
    Ok((StatusCode::CREATED, Json(record)))
}

/// Downloads one of the user's files.
#[utoipa::path(get, path = "/api/v1/files/{id}", tag = "files",
    params(("id" = Uuid, Path, description = "file id")),
    responses((status = 200, description = "the bytes"), (status = 404, description = "no such file of this user")))]
pub async fn download(
    State(state): State<AppState>,
    AuthUser(user): AuthUser,
    Path(id): Path<Uuid>,
) -> Result<Response, ApiError> {
    let record = state
        .db
        .file(user, id)
        .await
        .map_err(|error| ApiError::internal(&error))?
        .ok_or_else(|| ApiError::not_found("file"))?;
    let bytes = tokio::fs::read(files_directory(&state.settings.data_dir).join(id.to_string()))
        .await
        .map_err(|error| ApiError::internal(&error))?;
    let disposition = format!(
        "attachment; filename=\"{}\"",
        record.filename.replace('"', "")
    );
    Ok((
        [
            (CONTENT_TYPE, record.content_type),
            (CONTENT_DISPOSITION, disposition),
            (X_CONTENT_TYPE_OPTIONS, "nosniff".to_owned()),
            // A user's HTML opened from here runs in an opaque origin: no cookies, no API.
            (CONTENT_SECURITY_POLICY, "sandbox".to_owned()),
        ],
        Body::from(bytes),
    )
        .into_response())
}

/// Names of uploads still being written start with this.
const PARTIAL_PREFIX: &str = ".partial-";

/// Where uploaded files live: `{DATA_DIR}/files/{id}`.
pub fn files_directory(data_dir: &std::path::Path) -> PathBuf {
    data_dir.join("files")
}

/// A file being stored, removed when dropped unless [`PendingFile::keep`] was called.
#[derive(Debug)]
struct PendingFile {
    path: PathBuf,
    kept: bool,
}

impl PendingFile {
    fn new(path: PathBuf) -> Self {
        Self { path, kept: false }
    }

    fn path(&self) -> &std::path::Path {
        &self.path
    }

    fn rename(&mut self, to: PathBuf) -> std::io::Result<()> {
        std::fs::rename(&self.path, &to)?;
        self.path = to;
        Ok(())
    }

    fn keep(mut self) {
        self.kept = true;
    }
}

impl Drop for PendingFile {
    fn drop(&mut self) {
        if !self.kept {
            let _ = std::fs::remove_file(&self.path);
        }
    }
}

/// Creates the files directory and removes what no row points at: uploads a crash
/// interrupted (`.partial-…`) and files whose row was never written. Run at start-up,
/// before serving (with several replicas sharing one `DATA_DIR`, an upload of another
/// replica between its rename and its row could be taken for an orphan: give each
/// replica its own `DATA_DIR`, or share the files through object storage instead).
pub async fn remove_orphan_files(
    db: &Database,
    data_dir: &std::path::Path,
) -> anyhow::Result<usize> {
    use anyhow::Context as _;
    let directory = files_directory(data_dir);
    std::fs::create_dir_all(&directory)
        .with_context(|| format!("DATA_DIR: cannot create {}", directory.display()))?;
    let entries = std::fs::read_dir(&directory)
        .with_context(|| format!("DATA_DIR: cannot read {}", directory.display()))?;
    let mut removed = 0;
    for entry in entries {
        let entry =
            entry.with_context(|| format!("DATA_DIR: cannot read {}", directory.display()))?;
        let name = entry.file_name();
        let Some(name) = name.to_str() else { continue };
        let orphan = if name.starts_with(PARTIAL_PREFIX) {
            true
        } else if let Ok(id) = name.parse::<Uuid>() {
            !db.file_exists(id).await.map_err(|error| {
                anyhow::anyhow!("DATABASE_URL: {}", crate::error::error_chain(&error))
            })?
        } else {
            // Not a name this server gives: not ours to remove.
            false
        };
        if orphan {
            std::fs::remove_file(entry.path())
                .with_context(|| format!("DATA_DIR: cannot remove {}", entry.path().display()))?;
            removed += 1;
        }
    }
    Ok(removed)
}

fn too_large(limit: usize) -> ApiError {
    ApiError::new(
        StatusCode::PAYLOAD_TOO_LARGE,
        "file_too_large",
        format!("files are limited to {limit} bytes"),
    )
}

fn multipart_error(error: axum::extract::multipart::MultipartError) -> ApiError {
    if error.status() == StatusCode::PAYLOAD_TOO_LARGE {
        return ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "file_too_large",
            "the upload is too large",
        );
    }
    ApiError::bad_request("bad_multipart", error.body_text())
}

/// The last path component of the name a file was sent with, checked like every name
/// ([`validate::name`]: no control characters, something visible, at most 255
/// characters); `upload` when there is none.
fn upload_filename(given: Option<&str>) -> Result<String, ApiError> {
    let given = given.unwrap_or_default();
    let base = given.rsplit(['/', '\\']).next().unwrap_or(given);
    if matches!(base, "" | "." | "..") {
        return Ok("upload".to_owned());
    }
    validate::name(base, 255)
        .map(str::to_owned)
        .map_err(|message| ApiError::invalid_field("filename", message))
}

#[cfg(test)]
mod tests {
    use super::upload_filename;

    #[test]
    fn filenames_lose_their_directories() {
        assert_eq!(upload_filename(Some("../../etc/passwd")).unwrap(), "passwd");
        assert_eq!(
            upload_filename(Some("C:\\x\\report.pdf")).unwrap(),
            "report.pdf"
        );
        assert_eq!(upload_filename(Some("..")).unwrap(), "upload");
        assert_eq!(upload_filename(None).unwrap(), "upload");
    }

    #[test]
    fn filenames_with_control_or_only_invisible_characters_are_refused() {
        for bad in ["a\nb.txt", "nul\u{0}.txt", "\u{200B}\u{200B}"] {
            assert!(upload_filename(Some(bad)).is_err(), "{bad:?}");
        }
    }
}
