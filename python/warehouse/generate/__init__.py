"""Synthetic, deterministic raw data for all four domains, in the landing formats of architecture.md.

``generate_world`` writes a complete world for a scale and seed; ``generate_delta`` writes the next batch
of an existing world (continuing ids, time, epochs and roster snapshots). See README.md in this folder.
"""

from .scales import SCALES, Scale
from .world import generate_delta, generate_world

__all__ = ["SCALES", "Scale", "generate_delta", "generate_world"]
