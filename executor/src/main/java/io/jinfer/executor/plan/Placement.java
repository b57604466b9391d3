package io.jinfer.executor.plan;

import io.jinfer.api.WeightResidency;

/**
 * Where one layer runs and where its memory lives.
 *
 * @param layer the layer's name
 * @param device the device that computes it
 * @param residency how its weights are held
 * @param weightsOn the device whose memory holds the weights
 * @param kvOn the device whose memory holds its KV cache
 * @param weightBytes bytes of weights
 * @param kvBytes bytes of KV cache (context × batch)
 */
public record Placement(String layer, String device, WeightResidency residency, String weightsOn, String kvOn,
        long weightBytes, long kvBytes) {}
