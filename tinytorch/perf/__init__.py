"""tinytorch.perf: systems tools of Part IV (hand-written package file).

- profiling.py (module 14): parameters, FLOPs, activation memory, latency, a per-layer profile, roofline;
- quantization.py (module 15): affine and symmetric INT8 quantization, quantized Linear/Conv2d, PTQ;
- compression.py (module 16): magnitude and structured pruning, distillation, low rank, sparse files;
- memoization.py (module 17): a KV cache for module 13's GPT, cached generation, work formulas;
- acceleration.py (module 18): the matmul ladder, cache blocking, strides and contiguity, fused kernels;
- benchmarking.py (module 19): statistics, bootstrap intervals, the benchmark harness, accuracy, compare.
Import the submodules directly: `from tinytorch.perf.profiling import profile_model`.
"""
