//! Twilio's actions: send an SMS, list the latest messages.

use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use connectors_providers::twilio;

use crate::actions::twilio::{self as actions, SmsQuery};
use crate::auth::AuthUser;
use crate::error::ApiError;
use crate::json::ValidJson;
use crate::query::ValidQuery;
use crate::state::AppState;

/// The latest SMS of the user's Twilio account, sent and received, newest first.
#[utoipa::path(get, path = "/api/v1/connectors/twilio/messages", tag = "actions", params(SmsQuery),
    responses((status = 200, body = [crate::actions::twilio::SmsMessageSchema]), (status = 409, description = "not_connected"),
        (status = 422, description = "a bad limit, or provider_rejected"), (status = 429, description = "provider_rate_limited")))]
pub async fn sms_messages(
    State(state): State<AppState>,
    AuthUser(user): AuthUser,
    ValidQuery(query): ValidQuery<SmsQuery>,
) -> Result<Json<Vec<twilio::SmsMessage>>, ApiError> {
    Ok(Json(actions::sms_messages(&state, user, query).await?))
}

/// Sends an SMS from the user's Twilio account (a voice tool that needs approval).
#[utoipa::path(post, path = "/api/v1/connectors/twilio/messages", tag = "actions", request_body = crate::actions::twilio::NewSms,
    responses((status = 201, body = crate::actions::twilio::SmsSentSchema), (status = 409, description = "not_connected"),
        (status = 422, description = "a bad to, from or body, or provider_refused (e.g. 21211 an invalid To)"),
        (status = 429, description = "provider_rate_limited")))]
pub async fn send_sms(
    State(state): State<AppState>,
    AuthUser(user): AuthUser,
    ValidJson(body): ValidJson<serde_json::Value>,
) -> Result<(StatusCode, Json<twilio::SmsSent>), ApiError> {
    let sent = actions::send_sms(&state, user, body).await?;
    Ok((StatusCode::CREATED, Json(sent)))
}
