
/// A JSON response.
pub fn json_response(status: u16, body: &serde_json::Value) -> Result<lambda_http::Response<lambda_http::Body>, Error> {
    text_response(status, body.to_string())
}

/// A response whose body is already JSON text.
pub fn text_response(status: u16, body: String) -> Result<lambda_http::Response<lambda_http::Body>, Error> {
    Ok(lambda_http::Response::builder()
        .status(status)
        .header("content-type", "application/json")
        .body(lambda_http::Body::from(body))?)
}

/// The correlation id of a request: the caller's `x-correlation-id` header when it sends one
/// (so its logs and ours line up), else the Lambda request id.
pub fn correlation_id(request: &lambda_http::Request) -> String {
    use lambda_http::RequestExt as _;
    request
        .headers()
        .get("x-correlation-id")
        .and_then(|v| v.to_str().ok())
        .filter(|v| !v.is_empty() && v.len() <= 128)
        .map(str::to_owned)
        .or_else(|| request.lambda_context_ref().map(|c| c.request_id.clone()))
        .unwrap_or_default()
}
