"""Small data sets that ship inside the package (see PROVENANCE.md beside this file)."""
from .digits import DatasetFileError, load_digits
from .pydoc_topics import load_pydoc_topics

__all__ = ["load_digits", "load_pydoc_topics", "DatasetFileError"]
