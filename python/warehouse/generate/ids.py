"""Sortable, zero-padded string ids (``v_00000001``) from 1-based numbers."""

from __future__ import annotations

import numpy as np
import polars as pl

# source -> (prefix, digits)
ID_FORMATS: dict[str, tuple[str, int]] = {
    "nfts": ("nft_", 6),
    "users": ("u_", 6),
    "votes": ("v_", 8),
    "sliders": ("s_", 8),
    "fires": ("f_", 8),
    "projects": ("p_", 6),
    "upvotes": ("up_", 8),
    "messages": ("m_", 8),
    "conversations": ("c_", 7),
    "intro_requests": ("ir_", 7),
    "chain_posts": ("post_", 6),
    "post_comments": ("pc_", 7),
    "investors": ("inv_", 5),
}


def format_ids(kind: str, numbers: np.ndarray) -> pl.Series:
    """Ids for 1-based ``numbers`` of entity ``kind`` (a key of ``ID_FORMATS``)."""
    prefix, digits = ID_FORMATS[kind]
    nums = pl.Series(np.asarray(numbers, dtype=np.int64))
    return pl.select(pl.lit(prefix) + nums.cast(pl.String).str.zfill(digits)).to_series()
