"""Small data sets that ship inside the package (see PROVENANCE.md beside this file)."""
from .digits import DatasetFileError, load_digits

__all__ = ["load_digits", "DatasetFileError"]
