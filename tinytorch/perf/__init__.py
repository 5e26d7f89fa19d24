"""tinytorch.perf: systems tools of Part IV (hand-written package file).

- profiling.py (module 14): parameters, FLOPs, activation memory, latency, a per-layer profile, roofline;
- quantization.py (module 15): affine and symmetric INT8 quantization, quantized Linear/Conv2d, PTQ;
- memoization.py (module 17): a KV cache for module 13's GPT, cached generation, work formulas.
- benchmarking.py (module 19): statistics, bootstrap intervals, the benchmark harness, accuracy, compare.
Import the submodules directly: `from tinytorch.perf.profiling import profile_model`.
"""
