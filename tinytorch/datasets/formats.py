"""Hand-written support code of module 08 (dataloader), not taught: the MNIST IDX and CIFAR-10 binary formats.

Both formats are plain bytes with a documented layout (never pickle, which can run code while loading):

IDX (MNIST, Fashion-MNIST), all integers big-endian: bytes 0-1 zero; byte 2 the type code (0x08 uint8,
0x09 int8, 0x0B int16, 0x0C int32, 0x0D float32, 0x0E float64); byte 3 the number of dimensions d; then d
4-byte sizes; then the values in C order. MNIST images start 0x00000803, labels 0x00000801.

CIFAR-10 binary (data_batch_1.bin ... test_batch.bin): 3073-byte records, one label byte (0-9) then 3072
pixel bytes (1024 red, 1024 green, 1024 blue, each 32 x 32 row by row), so a record is (3, 32, 32).
"""
from __future__ import annotations

import math

import numpy as np

from .files import DatasetFileError

__all__ = ["IDX_TYPES", "CIFAR_RECORD", "parse_idx", "parse_cifar_records"]

IDX_TYPES = {0x08: np.dtype(np.uint8), 0x09: np.dtype(np.int8), 0x0B: np.dtype(">i2"),
             0x0C: np.dtype(">i4"), 0x0D: np.dtype(">f4"), 0x0E: np.dtype(">f8")}
CIFAR_RECORD = 1 + 3 * 32 * 32          # one label byte + 3072 pixel bytes


def parse_idx(data, name="IDX data"):
    """The array stored in IDX bytes `data` (already decompressed), in native byte order.

    Raises DatasetFileError, the message starting with `name`: "too short" (under 4 bytes), "bad magic
    number 0x........", "truncated header", "truncated: ..." (fewer data bytes than the sizes need) or
    "unexpected bytes after the data".
    """
    if len(data) < 4:
        raise DatasetFileError(f"{name}: {len(data)} bytes is too short for an IDX file (its magic number "
                               "alone is 4 bytes)")
    magic = int.from_bytes(data[:4], "big")
    code, ndim = data[2], data[3]
    if data[0] != 0 or data[1] != 0 or code not in IDX_TYPES or ndim == 0:
        raise DatasetFileError(f"{name}: bad magic number 0x{magic:08X}: an IDX file starts with two zero bytes, "
                               "a type code (0x08 for unsigned bytes) and the number of dimensions (MNIST "
                               "images: 0x00000803, labels: 0x00000801); this is not an IDX file")
    header = 4 + 4 * ndim
    if len(data) < header:
        raise DatasetFileError(f"{name}: truncated header: {ndim} dimensions need {header} header bytes, the "
                               f"file has {len(data)}")
    dims = tuple(int.from_bytes(data[4 + 4 * k:8 + 4 * k], "big") for k in range(ndim))
    dtype = IDX_TYPES[code]
    count = math.prod(dims)
    needed, present = count * dtype.itemsize, len(data) - header
    if present < needed:
        raise DatasetFileError(f"{name}: truncated: the header says shape {dims} of {dtype.name}, which is "
                               f"{needed} bytes of data, but only {present} bytes follow the header")
    if present > needed:
        raise DatasetFileError(f"{name}: {present - needed} unexpected bytes after the data: the header says "
                               f"shape {dims} ({needed} bytes), the file holds {present}")
    values = np.frombuffer(data, dtype=dtype, count=count, offset=header).reshape(dims)
    return values.astype(dtype.newbyteorder("="), copy=False)


def parse_cifar_records(data, name="CIFAR-10 data"):
    """(images uint8 (N, 3, 32, 32), labels int64 (N,)) from the bytes of one CIFAR-10 binary file.

    Raises DatasetFileError, the message starting with `name`: "empty", "truncated record: ..." (a length
    that is not a multiple of CIFAR_RECORD) or "record K has label L" (a label above 9).
    """
    if len(data) == 0:
        raise DatasetFileError(f"{name}: the file is empty; a CIFAR-10 binary file holds {CIFAR_RECORD}-byte records")
    whole, extra = divmod(len(data), CIFAR_RECORD)
    if extra:
        raise DatasetFileError(f"{name}: truncated record: {len(data)} bytes are {whole} whole records of "
                               f"{CIFAR_RECORD} bytes (1 label byte + 3072 pixel bytes) and {extra} bytes more")
    records = np.frombuffer(data, dtype=np.uint8).reshape(whole, CIFAR_RECORD)
    labels = records[:, 0].astype(np.int64)
    bad = np.flatnonzero(labels > 9)
    if bad.size:
        k = int(bad[0])
        raise DatasetFileError(f"{name}: record {k} has label {labels[k]}, but CIFAR-10 labels are 0-9; this is "
                               "not a CIFAR-10 binary file")
    images = records[:, 1:].reshape(whole, 3, 32, 32)
    return images, labels
