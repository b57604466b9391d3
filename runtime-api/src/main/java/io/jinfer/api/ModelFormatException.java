package io.jinfer.api;

import java.nio.file.Path;

/**
 * A model file is malformed or uses something jinfer does not support. The message names the file,
 * the byte offset, the field, what was expected and what was found.
 */
public final class ModelFormatException extends JinferException {
    private static final long serialVersionUID = 1L;

    /**
     * The file that was being read; not serialized, so it is {@code null} after deserialization.
     */
    private final transient Path file;
    /**
     * Byte offset of the offending field, or -1.
     */
    private final long offset;
    /**
     * Name of the offending field or tensor.
     */
    private final String field;
    /**
     * What was expected and what was found.
     */
    private final String problem;

    /**
     * Creates the exception; its message combines all four parts as
     * {@code file at byte offset: field: problem}.
     *
     * @param file the file being read (may be {@code null} for in-memory data)
     * @param offset byte offset of the offending field, or -1 when not tied to one position
     * @param field name of the field or tensor
     * @param problem what was expected and what was found
     */
    public ModelFormatException(Path file, long offset, String field, String problem) {
        super(format(file, offset, field, problem));
        this.file = file;
        this.offset = offset;
        this.field = field;
        this.problem = problem;
    }

    /**
     * Returns the bare description of the problem, for callers that report the location themselves.
     *
     * @return what was expected and what was found, without the location
     */
    public String problem() {
        return problem;
    }

    private static String format(Path file, long offset, String field, String problem) {
        StringBuilder sb = new StringBuilder();
        sb.append(file == null ? "<memory>" : file.toString());
        if (offset >= 0) {
            sb.append(" at byte ").append(offset);
        }
        sb.append(": ").append(field).append(": ").append(problem);
        return sb.toString();
    }

    /**
     * Returns the file that was being read.
     *
     * @return the file, or {@code null} when the data did not come from a file (or after deserialization)
     */
    public Path file() {
        return file;
    }

    /**
     * Returns where in the file the problem is.
     *
     * @return the byte offset of the problem, or -1 when it is not tied to one position
     */
    public long offset() {
        return offset;
    }

    /**
     * Returns the name of the field or tensor that is wrong.
     *
     * @return the field or tensor name
     */
    public String field() {
        return field;
    }
}
