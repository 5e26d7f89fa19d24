"""Amdahl weighted by each layer's share of the FLOPs instead of its measured time. The profile's times are the point: ReLUs and overhead take time but no FLOPs."""
CELL = "capstone-predict"
FIND = '''    out["speedup"] = amdahl_speedup([layer["time"] / total_time for layer in layers], [r["factor"] for r in rows])'''
REPLACE = '''    flops = sum(r["flops_before"] for r in rows)
    out["speedup"] = amdahl_speedup([r["flops_before"] / flops for r in rows], [r["factor"] for r in rows])'''
