package dev.skipllama.server;

/**
 * An error answered in OpenAI's shape, {@code {"error": {"message", "type", "param", "code"}}}, with
 * its HTTP status. The message says what was wrong, where (the field), the value found and what
 * was expected.
 */
final class ApiError extends RuntimeException {
    final int status;
    final String type;
    final String param;
    final String code;

    ApiError(int status, String type, String param, String code, String message) {
        super(message, null, false, false);
        this.status = status;
        this.type = type;
        this.param = param;
        this.code = code;
    }

    /** 400: the request must change. */
    static ApiError badRequest(String param, String message) {
        return new ApiError(400, "invalid_request_error", param, null, message);
    }

    String json() {
        return new JsonOut().object()
                .key("error").object()
                .field("message", getMessage())
                .field("type", type)
                .field("param", param)
                .field("code", code)
                .end().end().toString();
    }
}
