"""Dense integer codes for string keys (NFT ids, user ids), so the kernels work on plain arrays."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc


def _combined(column: pa.Array | pa.ChunkedArray) -> pa.Array:
    if isinstance(column, pa.ChunkedArray):
        return column.combine_chunks() if column.num_chunks != 1 else column.chunk(0)
    return column


def encode_keys(*columns: pa.Array | pa.ChunkedArray) -> tuple[list[np.ndarray], pa.Array]:
    """Codes every value of the given string columns against one shared dictionary.

    Returns one int64 code array per column and the dictionary (code → key). Null keys are refused."""
    arrays = [_combined(column) for column in columns]
    for array in arrays:
        if array.null_count:
            raise ValueError("keys to encode must not be null")
    lengths = [len(array) for array in arrays]
    if not arrays or sum(lengths) == 0:
        return [np.zeros(0, dtype=np.int64) for _ in arrays], pa.array([], type=pa.string())
    encoded = pc.dictionary_encode(pa.concat_arrays([array.cast(pa.string()) for array in arrays]))
    codes = encoded.indices.to_numpy(zero_copy_only=False).astype(np.int64, copy=False)
    splits = np.cumsum(lengths)[:-1]
    return list(np.split(codes, splits)), encoded.dictionary


def lookup(dictionary: pa.Array, keys: pa.Array | pa.ChunkedArray, values: np.ndarray, default: float) -> np.ndarray:
    """Array aligned with `dictionary`: `values[i]` where `keys[i]` equals the entry, else `default`."""
    result = np.full(len(dictionary), default, dtype=np.float64)
    if len(keys):
        positions = pc.index_in(_combined(keys).cast(pa.string()), value_set=dictionary).to_numpy(zero_copy_only=False)
        values = np.asarray(values, dtype=np.float64)
        found = ~np.isnan(positions.astype(np.float64))
        result[positions[found].astype(np.int64)] = values[found]
    return result
