"""The report claims the predicted bytes instead of the bytes on disk. A prediction is not a measurement: flagged."""
CELL = "capstone-project"
FIND = '''    claims.update({f"{name}_bytes": os.path.getsize(path) for name, path in paths.items()})'''
REPLACE = '''    claims.update({"baseline_bytes": prediction["bytes_before"], "optimised_bytes": prediction["bytes_after"]})'''
FLAGGED = True        # the claims cell raises ClaimsFlagged: bytes claimed are not the bytes on disk
