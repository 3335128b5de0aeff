"""Figures every benchmark reports the same way."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np


def percentile(values: Sequence[float], percent: float) -> float:
    """The ``percent`` percentile (0..100) of ``values`` by linear interpolation; 0 when empty."""
    if len(values) == 0:
        return 0.0
    return float(np.percentile(np.asarray(values, dtype=np.float64), percent))
