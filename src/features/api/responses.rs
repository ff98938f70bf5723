//! Answers several operations share, described once for the OpenAPI description.

use crate::web::error::ErrorBody;
use utoipa::IntoResponses;

/// A bearer token that must be there and valid, and the database that checks it.
#[derive(IntoResponses)]
#[allow(dead_code)] // described, never built: the handlers answer through `ApiError`
pub enum TokenChecked {
    #[response(status = 401, description = "No bearer token, or not a valid one")]
    NoToken(ErrorBody),
    #[response(
        status = 503,
        description = "The database is unavailable (checking the token): retry"
    )]
    Unavailable(ErrorBody),
}

/// A bearer token that must be there and valid.
#[derive(IntoResponses)]
#[allow(dead_code)]
pub enum NoBearer {
    #[response(status = 401, description = "No bearer token, or not a valid one")]
    NoToken(ErrorBody),
}

/// A read shaped by its query string: unreadable, a parameter refused, the database away.
#[derive(IntoResponses)]
#[allow(dead_code)]
pub enum QueryRefused {
    #[response(status = 400, description = "The query string cannot be read")]
    Unreadable(ErrorBody),
    #[response(
        status = 422,
        description = "A parameter is missing or wrong: `field` names it"
    )]
    Parameter(ErrorBody),
    #[response(status = 503, description = "The database is unavailable: retry")]
    Unavailable(ErrorBody),
}

/// A JSON body that cannot be read as one.
#[derive(IntoResponses)]
#[allow(dead_code)]
pub enum JsonRefused {
    #[response(status = 400, description = "The body is not UTF-8 or not JSON")]
    NotJson(ErrorBody),
    #[response(status = 415, description = "The body is not sent as application/json")]
    NotSentAsJson(ErrorBody),
}
