package io.jinfer.executor.plan;

/**
 * What a plan takes from one device's memory.
 *
 * @param device the device id
 * @param weightBytes weights held there (resident, or mapped host memory read by anyone)
 * @param kvBytes KV cache held there
 * @param scratchBytes working buffers held there
 * @param budgetBytes the device's budget
 */
public record DeviceUsage(String device, long weightBytes, long kvBytes, long scratchBytes, long budgetBytes) {

    /**
     * Returns everything the plan takes from the device.
     *
     * @return bytes
     */
    public long totalBytes() {
        return weightBytes + kvBytes + scratchBytes;
    }
}
