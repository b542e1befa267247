//! The actions on connected accounts ([`crate::actions`]): a read and a write per
//! connector, each bound to a voice tool.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use connectors_providers::{gmail, slack};

use crate::actions::{self, ChannelsQuery, MailQuery, MessagesQuery};
use crate::auth::AuthUser;
use crate::error::ApiError;
use crate::json::ValidJson;
use crate::query::ValidQuery;
use crate::state::AppState;

pub mod calendly;
pub mod hostinger;
pub mod twilio;

/// The public channels of the user's Slack workspace.
#[utoipa::path(get, path = "/api/v1/connectors/slack/channels", tag = "actions", params(ChannelsQuery),
    responses((status = 200, body = [crate::actions::SlackChannelSchema]), (status = 409, description = "not_connected or needs_reauth"),
        (status = 422, description = "a bad limit, or provider_refused"), (status = 429, description = "provider_rate_limited")))]
pub async fn slack_channels(
    State(state): State<AppState>,
    AuthUser(user): AuthUser,
    ValidQuery(query): ValidQuery<ChannelsQuery>,
) -> Result<Json<Vec<slack::Channel>>, ApiError> {
    Ok(Json(actions::slack_channels(&state, user, query).await?))
}

/// The latest messages of a Slack channel, newest first.
#[utoipa::path(get, path = "/api/v1/connectors/slack/channels/{channel}/messages", tag = "actions",
    params(("channel" = String, Path, description = "the channel's id (C…)"), MessagesQuery),
    responses((status = 200, body = [crate::actions::SlackMessageSchema]), (status = 409, description = "not_connected or needs_reauth"),
        (status = 422, description = "a bad channel id or limit, or provider_refused (e.g. channel_not_found)")))]
pub async fn slack_messages(
    State(state): State<AppState>,
    AuthUser(user): AuthUser,
    Path(channel): Path<String>,
    ValidQuery(query): ValidQuery<MessagesQuery>,
) -> Result<Json<Vec<slack::Message>>, ApiError> {
    Ok(Json(
        actions::slack_messages(&state, user, &channel, query).await?,
    ))
}

/// Posts a message in a Slack channel as the user (a voice tool that needs approval).
#[utoipa::path(post, path = "/api/v1/connectors/slack/messages", tag = "actions", request_body = crate::actions::NewSlackMessage,
    responses((status = 201, body = crate::actions::SlackPostedSchema), (status = 409, description = "not_connected or needs_reauth"),
        (status = 422, description = "a bad channel or text, or provider_refused (e.g. not_in_channel, missing_scope)")))]
pub async fn post_slack_message(
    State(state): State<AppState>,
    AuthUser(user): AuthUser,
    ValidJson(body): ValidJson<serde_json::Value>,
) -> Result<(StatusCode, Json<slack::Posted>), ApiError> {
    let posted = actions::post_slack_message(&state, user, body).await?;
    Ok((StatusCode::CREATED, Json(posted)))
}

/// The user's latest Gmail messages (sender, subject, date, snippet), newest first.
#[utoipa::path(get, path = "/api/v1/connectors/gmail/messages", tag = "actions", params(MailQuery),
    responses((status = 200, body = [crate::actions::MailSummarySchema]), (status = 409, description = "not_connected or needs_reauth"),
        (status = 422, description = "a bad q or limit"), (status = 429, description = "provider_rate_limited")))]
pub async fn gmail_messages(
    State(state): State<AppState>,
    AuthUser(user): AuthUser,
    ValidQuery(query): ValidQuery<MailQuery>,
) -> Result<Json<Vec<gmail::MailSummary>>, ApiError> {
    Ok(Json(actions::gmail_messages(&state, user, query).await?))
}

/// Sends an email through the user's SMTP server (a voice tool that needs approval).
#[utoipa::path(post, path = "/api/v1/connectors/smtp/messages", tag = "actions", request_body = crate::actions::NewEmail,
    responses((status = 201, body = crate::actions::SentEmailSchema), (status = 409, description = "not_connected"),
        (status = 422, description = "a bad to, subject or text, or provider_rejected"), (status = 502, description = "provider_unreachable")))]
pub async fn send_email(
    State(state): State<AppState>,
    AuthUser(user): AuthUser,
    ValidJson(body): ValidJson<serde_json::Value>,
) -> Result<(StatusCode, Json<connectors_providers::smtp::Sent>), ApiError> {
    let sent = actions::send_email(&state, user, body).await?;
    Ok((StatusCode::CREATED, Json(sent)))
}

/// The objects of the user's MinIO bucket, in key order.
#[utoipa::path(get, path = "/api/v1/connectors/minio/objects", tag = "actions", params(crate::actions::ObjectsQuery),
    responses((status = 200, body = [crate::actions::StoredObjectSchema]), (status = 409, description = "not_connected"),
        (status = 422, description = "a bad prefix or limit, or provider_rejected")))]
pub async fn minio_objects(
    State(state): State<AppState>,
    AuthUser(user): AuthUser,
    ValidQuery(query): ValidQuery<crate::actions::ObjectsQuery>,
) -> Result<Json<Vec<connectors_providers::minio::StoredObject>>, ApiError> {
    Ok(Json(actions::minio_objects(&state, user, query).await?))
}

/// Copies one of the user's files into their MinIO bucket (a voice tool that needs
/// approval).
#[utoipa::path(post, path = "/api/v1/connectors/minio/objects", tag = "actions", request_body = crate::actions::NewObject,
    responses((status = 201, body = crate::actions::PutObjectSchema), (status = 404, description = "no such file"),
        (status = 409, description = "not_connected"), (status = 422, description = "a bad file_id or key, or provider_rejected")))]
pub async fn put_in_minio(
    State(state): State<AppState>,
    AuthUser(user): AuthUser,
    ValidJson(body): ValidJson<serde_json::Value>,
) -> Result<(StatusCode, Json<connectors_providers::minio::PutObject>), ApiError> {
    let put = actions::put_in_minio(&state, user, body).await?;
    Ok((StatusCode::CREATED, Json(put)))
}

/// The Notion pages shared with the app, matching a title.
#[utoipa::path(get, path = "/api/v1/connectors/notion/pages", tag = "actions", params(crate::actions::PagesQuery),
    responses((status = 200, body = [crate::actions::NotionPageSchema]), (status = 409, description = "not_connected or needs_reauth"),
        (status = 422, description = "a bad q or limit")))]
pub async fn notion_pages(
    State(state): State<AppState>,
    AuthUser(user): AuthUser,
    ValidQuery(query): ValidQuery<crate::actions::PagesQuery>,
) -> Result<Json<Vec<connectors_providers::notion::Page>>, ApiError> {
    Ok(Json(actions::notion_pages(&state, user, query).await?))
}

/// Creates a Notion page under one the user picked (a voice tool that needs approval).
#[utoipa::path(post, path = "/api/v1/connectors/notion/pages", tag = "actions", request_body = crate::actions::NewNotionPage,
    responses((status = 201, body = crate::actions::NotionPageSchema), (status = 409, description = "not_connected or needs_reauth"),
        (status = 422, description = "a bad parent_id, title or text, or provider_refused (object_not_found)")))]
pub async fn create_notion_page(
    State(state): State<AppState>,
    AuthUser(user): AuthUser,
    ValidJson(body): ValidJson<serde_json::Value>,
) -> Result<(StatusCode, Json<connectors_providers::notion::Page>), ApiError> {
    let page = actions::create_notion_page(&state, user, body).await?;
    Ok((StatusCode::CREATED, Json(page)))
}
