/**
 * The partition planner: given a model's per-layer bytes and FLOPs, a set of devices with their links
 * and memory budgets, a context length and a batch, it decides which layers run on which device and
 * where each layer's weights and KV cache live, and predicts prefill and decode speed and cost with a
 * simple roofline cost model ({@link io.jinfer.executor.plan.CostModel}).
 */
package io.jinfer.executor.plan;
