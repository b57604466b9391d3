package io.jinfer.server;

/**
 * A request the server refuses, carrying everything OpenAI's error body holds:
 * {@code {"error":{"message","type","param","code"}}} plus the HTTP status.
 */
public final class ApiError extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final int status;
    private final String type;
    private final String param;
    private final String code;

    /**
     * Creates an error.
     *
     * @param status the HTTP status
     * @param type OpenAI's error type, e.g. {@code invalid_request_error}
     * @param message what went wrong, for a person
     * @param param the request field at fault, or {@code null}
     * @param code a machine-readable code, or {@code null}
     */
    public ApiError(int status, String type, String message, String param, String code) {
        super(message);
        this.status = status;
        this.type = type;
        this.param = param;
        this.code = code;
    }

    /**
     * A 400 for a field that is missing or has the wrong type or value.
     *
     * @param param the field, dotted for nested ones ({@code messages[0].role})
     * @param message what is wrong with it
     * @return the error
     */
    public static ApiError badField(String param, String message) {
        return new ApiError(400, "invalid_request_error", message, param, null);
    }

    /**
     * Returns the HTTP status.
     *
     * @return the HTTP status of the response
     */
    public int status() {
        return status;
    }

    /**
     * Returns OpenAI's error type.
     *
     * @return the error type
     */
    public String type() {
        return type;
    }

    /**
     * Returns the request field at fault.
     *
     * @return the field, or {@code null}
     */
    public String param() {
        return param;
    }

    /**
     * Returns the machine-readable code.
     *
     * @return the code, or {@code null}
     */
    public String code() {
        return code;
    }
}
