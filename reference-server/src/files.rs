//! Uploaded files: stored under `{DATA_DIR}/files/{id}`, one row each in `files`.
//!
//! An upload is streamed to a temporary `.partial-{id}` file, renamed to its id once
//! complete, and kept only once its row exists; whatever a crash leaves behind is
//! removed at the next start ([`remove_orphan_files`]).

use std::path::{Path, PathBuf};

use anyhow::Context as _;
use axum::extract::multipart::Field;
use axum::extract::Multipart;
use axum::http::StatusCode;
use connectors_core::{FieldErrorCode, FieldIssue, FieldParams, UserId};
use time::OffsetDateTime;
use tokio::io::AsyncWriteExt;
use uuid::Uuid;

use crate::db::{Database, FileRecord};
use crate::error::ApiError;
use crate::state::AppState;
use crate::validate;

/// Names of uploads still being written start with this.
const PARTIAL_PREFIX: &str = ".partial-";

/// Where uploaded files live: `{DATA_DIR}/files/{id}`.
pub fn files_directory(data_dir: &Path) -> PathBuf {
    data_dir.join("files")
}

/// Stores the one part named `file` of a multipart body, up to `MAX_UPLOAD_BYTES`, and
/// records it for `user`.
///
/// # Errors
///
/// 422 for a missing `file` part, a second one or any other part, or a bad file name;
/// 413 over the limit; 400 for a malformed body; 500 when the disk or the database
/// fails. Nothing is left on disk after an error, nor when the client goes away.
pub async fn store_upload(
    state: &AppState,
    user: UserId,
    mut multipart: Multipart,
) -> Result<FileRecord, ApiError> {
    let directory = files_directory(&state.settings.data_dir);
    let mut received: Option<(PendingFile, FileRecord)> = None;
    while let Some(field) = multipart.next_field().await? {
        match field.name() {
            Some("file") if received.is_none() => {}
            Some("file") => {
                let issue = FieldIssue::new(FieldErrorCode::OneFile, "send one file");
                return Err(ApiError::invalid_field("file", issue));
            }
            other => return Err(unknown_part(other)),
        }
        received = Some(receive(field, &directory, state.settings.max_upload_bytes).await?);
    }
    let Some((mut stored, record)) = received else {
        let issue = FieldIssue::new(
            FieldErrorCode::Required,
            "send the file in a multipart field named `file`",
        );
        return Err(ApiError::invalid_field("file", issue));
    };
    // A rename is a metadata update: done here, with no await point, so the guard
    // always knows where the file is.
    stored.rename(directory.join(record.id.to_string()))?;
    state.db.create_file(user, &record).await?;
    stored.keep();
    Ok(record)
}

fn unknown_part(name: Option<&str>) -> ApiError {
    let name = name.unwrap_or_default().escape_default().to_string();
    let issue = FieldIssue::new(
        FieldErrorCode::UnknownField,
        "unknown field: send only the part `file`",
    )
    .with_params(FieldParams {
        allowed: Some(vec!["file".to_owned()]),
        ..FieldParams::default()
    });
    ApiError::invalid_field(if name.is_empty() { "body" } else { &name }, issue)
}

/// Streams one part to a temporary file of `directory`, at most `limit` bytes.
async fn receive(
    mut field: Field<'_>,
    directory: &Path,
    limit: usize,
) -> Result<(PendingFile, FileRecord), ApiError> {
    let filename = upload_filename(field.file_name())?;
    let content_type = field
        .content_type()
        .unwrap_or("application/octet-stream")
        .to_owned();
    let id = Uuid::new_v4();
    // Written under a temporary name, removed on every way out (an error, a client
    // that goes away and drops this future) until its row exists.
    let stored = PendingFile::new(directory.join(format!("{PARTIAL_PREFIX}{id}")));
    let mut file = tokio::fs::File::create(stored.path()).await?;
    let mut size = 0usize;
    while let Some(chunk) = field.chunk().await? {
        size += chunk.len();
        if size > limit {
            return Err(too_large(limit));
        }
        file.write_all(&chunk).await?;
    }
    file.sync_all().await?;
    let record = FileRecord {
        id,
        filename,
        content_type,
        size: size as i64,
        created_at: OffsetDateTime::now_utc().unix_timestamp(),
    };
    Ok((stored, record))
}

/// One of `user`'s files and its bytes.
///
/// # Errors
///
/// 404 when `user` has no such file, 500 when the disk or the database fails.
pub async fn read(
    state: &AppState,
    user: UserId,
    id: Uuid,
) -> Result<(FileRecord, Vec<u8>), ApiError> {
    let record = state
        .db
        .file(user, id)
        .await?
        .ok_or_else(|| ApiError::not_found("file"))?;
    let bytes =
        tokio::fs::read(files_directory(&state.settings.data_dir).join(id.to_string())).await?;
    Ok((record, bytes))
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

    fn path(&self) -> &Path {
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
pub async fn remove_orphan_files(db: &Database, data_dir: &Path) -> anyhow::Result<usize> {
    let directory = files_directory(data_dir);
    let unreadable = || format!("DATA_DIR: cannot read {}", directory.display());
    std::fs::create_dir_all(&directory)
        .with_context(|| format!("DATA_DIR: cannot create {}", directory.display()))?;
    let mut removed = 0;
    for entry in std::fs::read_dir(&directory).with_context(unreadable)? {
        let entry = entry.with_context(unreadable)?;
        let name = entry.file_name();
        let Some(name) = name.to_str() else { continue };
        if is_orphan(db, name).await? {
            std::fs::remove_file(entry.path())
                .with_context(|| format!("DATA_DIR: cannot remove {}", entry.path().display()))?;
            removed += 1;
        }
    }
    Ok(removed)
}

/// Whether a file of the files directory is an interrupted upload or one no row points
/// at; a name this server does not give is not ours to remove.
async fn is_orphan(db: &Database, name: &str) -> anyhow::Result<bool> {
    if name.starts_with(PARTIAL_PREFIX) {
        return Ok(true);
    }
    let Ok(id) = name.parse::<Uuid>() else {
        return Ok(false);
    };
    let exists = db
        .file_exists(id)
        .await
        .map_err(|error| anyhow::anyhow!("DATABASE_URL: {}", crate::error::error_chain(&error)))?;
    Ok(!exists)
}

fn too_large(limit: usize) -> ApiError {
    ApiError::new(
        StatusCode::PAYLOAD_TOO_LARGE,
        "file_too_large",
        format!("files are limited to {limit} bytes"),
    )
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
