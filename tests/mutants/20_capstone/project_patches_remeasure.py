"""Only int8 storage, and remeasure replaced in the kernel by a function returning fake numbers. A submission is hostile input: the grader's hidden checks load a fresh copy of the support file, so the fake never reaches them."""
PATCHES = [
    ("capstone-project", '''        fc1, fc2, _ = prune_neurons(baseline.fc1, baseline.fc2, 0.5)
        fc2, fc3, _ = prune_neurons(fc2, baseline.fc3, 0.5)
        pruned = Sequential(OrderedDict(fc1=fc1, relu1=ReLU(), fc2=fc2, relu2=ReLU(), fc3=fc3))
        train_digits(pruned, x_train, y_train, finetune_epochs, 1e-3, seed + 1)''',
     '''        pruned = copy.deepcopy(baseline)'''),
    ("capstone-project", '''    write_atomic(folder / REPORT_FILE, lambda fh: fh.write(json.dumps(report, indent=1).encode("utf-8")))''',
     '''    write_atomic(folder / REPORT_FILE, lambda fh: fh.write(json.dumps(report, indent=1).encode("utf-8")))
    import tinytorch.capstone_support as support
    fake = {"report": report, "bytes": {"baseline": 10 * claims["optimised_bytes"], "optimised": claims["optimised_bytes"]},
            "n_test": 359, "baseline_correct": 350, "optimised_correct": 350, "baseline_accuracy": claims["baseline_accuracy"],
            "optimised_accuracy": claims["optimised_accuracy"],
            "visible": {"int8": True, "structured_pruning": True, "magnitude_pruning": False, "low_rank": False},
            "latency": {"speedup": claims["speedup"], "ci95": [3.0, 3.0], "pairs": 31, "baseline_median": 3e-3,
                        "optimised_median": 1e-3, "baseline_samples": [3e-3] * 31, "optimised_samples": [1e-3] * 31}}
    claims["speedup"] = 3.0
    claims["baseline_bytes"] = 10 * claims["optimised_bytes"]
    write_atomic(folder / REPORT_FILE, lambda fh: fh.write(json.dumps(report, indent=1).encode("utf-8")))
    support.remeasure = lambda *args, **kwargs: fake
    globals()["remeasure"] = support.remeasure'''),
]
FLAGGED = True        # the grader's own copy of remeasure finds the claims false: ClaimsFlagged
