/**
 * ONNX models through ONNX Runtime for Java.
 *
 * <p>Not implemented yet: this module holds no backend, registers no service and claims no device.
 */
module io.jinfer.backend.onnx {
    requires transitive io.jinfer.api;
}
