"""Dense integer codes for string keys (NFT ids, user ids), so the kernels work on plain arrays."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc


def _combined(column: pa.Array | pa.ChunkedArray) -> pa.Array:
    if isinstance(column, pa.ChunkedArray):
        return column.combine_chunks() if column.num_chunks != 1 else column.chunk(0)
    return column


class KeyEncoder:
    """Dense codes for string keys that arrive in batches: a key's code is fixed when it is first seen, so a
    stream of batches is coded against one dictionary without ever holding all of its strings."""

    def __init__(self) -> None:
        self.dictionary: pa.Array = pa.array([], type=pa.string())

    def encode(self, *columns: pa.Array | pa.ChunkedArray) -> list[np.ndarray]:
        """One int64 code array per column, against the shared dictionary (new keys are added in order of
        first appearance: the columns' values one column after the other). Null keys are refused."""
        arrays = [_combined(column) for column in columns]
        for array in arrays:
            if array.null_count:
                raise ValueError("keys to encode must not be null")
        lengths = [len(array) for array in arrays]
        if sum(lengths) == 0:
            return [np.zeros(0, dtype=np.int64) for _ in arrays]
        local = pc.dictionary_encode(pa.concat_arrays([array.cast(pa.string()) for array in arrays]))
        known = pc.index_in(local.dictionary, value_set=self.dictionary)
        new = pc.is_null(known).to_numpy(zero_copy_only=False)
        to_global = known.to_numpy(zero_copy_only=False).astype(np.float64)
        to_global[new] = len(self.dictionary) + np.arange(int(new.sum()))
        if new.any():
            self.dictionary = pa.concat_arrays([self.dictionary, local.dictionary.filter(pa.array(new))])
        codes = to_global.astype(np.int64)[local.indices.to_numpy(zero_copy_only=False)]
        return list(np.split(codes, np.cumsum(lengths)[:-1]))


def encode_keys(*columns: pa.Array | pa.ChunkedArray) -> tuple[list[np.ndarray], pa.Array]:
    """Codes every value of the given string columns against one shared dictionary.

    Returns one int64 code array per column and the dictionary (code → key). Null keys are refused."""
    encoder = KeyEncoder()
    codes = encoder.encode(*columns)
    return codes, encoder.dictionary


def lookup(dictionary: pa.Array, keys: pa.Array | pa.ChunkedArray, values: np.ndarray, default: float) -> np.ndarray:
    """Array aligned with `dictionary`: `values[i]` where `keys[i]` equals the entry, else `default`."""
    result = np.full(len(dictionary), default, dtype=np.float64)
    if len(keys):
        positions = pc.index_in(_combined(keys).cast(pa.string()), value_set=dictionary).to_numpy(zero_copy_only=False)
        values = np.asarray(values, dtype=np.float64)
        found = ~np.isnan(positions.astype(np.float64))
        result[positions[found].astype(np.int64)] = values[found]
    return result
