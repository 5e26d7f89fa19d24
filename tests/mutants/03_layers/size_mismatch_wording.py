"""load_state_dict words a shape mismatch its own way: scripts and tests that look for PyTorch's 'size mismatch for <key>' message miss it (the docstring gives the exact words)."""
CELL = "layers-module"
FIND = '''                errors.append(f"size mismatch for {key}: copying a param with shape {array.shape} from "
                              f"checkpoint, the shape in current model is {target.shape}.")'''
REPLACE = '''                errors.append(f"{key}: checkpoint shape {array.shape} != model shape {target.shape}")'''
