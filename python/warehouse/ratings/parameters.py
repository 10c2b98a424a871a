"""The rating steps' parameters come from dbt vars, whose defaults live in one place: `vars:` of
dbt_project.yml. A dbt Python model reads them from its config (set from the same vars in its YAML);
code outside dbt (tests, benchmarks) reads the project's defaults from dbt_project.yml."""

from __future__ import annotations

from collections.abc import Mapping
from functools import lru_cache
from typing import Any, ClassVar

from warehouse.settings import project_root, read_yaml

#: EloParams field → the dbt var that sets it.
ELO_VARS = {
    "mu": "poa_elo_mu",
    "sigma": "poa_elo_sigma",
    "beta": "poa_elo_beta",
    "tau": "poa_elo_tau",
    "kappa": "poa_elo_kappa",
    "weight_normal": "poa_vote_weight_normal",
    "weight_super": "poa_vote_weight_super",
    "reliability_weighting": "poa_reliability_weighting",
    "multiplier_offset": "poa_reliability_multiplier_offset",
    "multiplier_min": "poa_reliability_multiplier_min",
    "multiplier_max": "poa_reliability_multiplier_max",
    "alpha0": "poa_reliability_alpha0",
    "beta0": "poa_reliability_beta0",
    "decay": "poa_reliability_decay",
}

#: SliderPrior field → the dbt var that sets it.
SLIDER_VARS = {
    "n": "poa_slider_prior_n",
    "mean": "poa_slider_prior_mean",
    "sd": "poa_slider_prior_sd",
    "min_sd": "poa_slider_min_sd",
}


def as_float(name: str, value: Any) -> float:
    """A numeric setting from a dbt config (rendered vars may arrive as text); refuses anything else."""
    if isinstance(value, bool) or value is None:
        raise ValueError(f"setting {name} must be a number, got {value!r}")
    try:
        return float(value)
    except (TypeError, ValueError):
        raise ValueError(f"setting {name} must be a number, got {value!r}") from None


def as_bool(name: str, value: Any) -> bool:
    """A boolean setting from a dbt config: a bool, or the text true/false (any case)."""
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in ("true", "false"):
        return value.strip().lower() == "true"
    raise ValueError(f"setting {name} must be true or false, got {value!r}")


@lru_cache(maxsize=1)
def project_vars() -> Mapping[str, Any]:
    """The `vars:` of dbt_project.yml: every parameter's documented default."""
    return read_yaml(project_root() / "dbt_project.yml")["vars"]


def read_vars(names: Mapping[str, str], values: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """The fields of ``names`` (field → var) from ``values`` (var → value: a dbt model's `step_vars`
    config), or from the project's defaults; booleans stay booleans, everything else becomes a float."""
    values = project_vars() if values is None else values
    read = {}
    for field, var in names.items():
        if var not in values:
            raise ValueError(f"setting {var} is missing from the step's config (`step_vars` in its YAML)")
        value = values[var]
        is_flag = isinstance(value, bool) or field == "reliability_weighting"
        read[field] = as_bool(var, value) if is_flag else as_float(var, value)
    return read


class VarParameters:
    """A frozen dataclass of parameters each set by a dbt var (``VARS``: field → var)."""

    VARS: ClassVar[Mapping[str, str]] = {}

    @classmethod
    def defaults(cls, **changes: Any):
        """The project's defaults (dbt_project.yml vars), with ``changes``."""
        return cls.from_config(None, **changes)

    @classmethod
    def from_config(cls, step_vars: Mapping[str, Any] | None, **changes: Any):
        """From a dbt model's `step_vars` config (``dbt.config.get("step_vars")``), or the project's vars."""
        return cls(**{**read_vars(cls.VARS, step_vars), **changes})
