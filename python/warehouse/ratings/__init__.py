"""Rating and statistics kernels of the community (POA) scoring, shared by the dbt Python models.

- `elo`: the weighted Weng–Lin Bradley–Terry rating with voter reliability (scoring.md §1, §3).
- `welford`: per-user slider calibration — shrunk pre-event z-scores, Welford, Chan merges (§2).
- `encoding`: dense integer codes for string keys, so the kernels run on plain arrays.

Pure functions: arrays in, arrays out; no I/O. The dbt Python models read and write the warehouse.
"""

from warehouse.ratings.elo import EloParams, EloResult, rate_votes
from warehouse.ratings.welford import SliderPrior, SliderResult, calibrate_sliders, chan_merge, shrink_with_prior

__all__ = [
    "EloParams",
    "EloResult",
    "SliderPrior",
    "SliderResult",
    "calibrate_sliders",
    "chan_merge",
    "rate_votes",
    "shrink_with_prior",
]
