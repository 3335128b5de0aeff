"""PyTorch's thread count for a block of work: one meaning of None, 1+ and 0 for every model."""

from __future__ import annotations

import pytest
import torch

from models.torch_threads import torch_threads


def test_a_count_holds_inside_the_block_and_the_previous_one_comes_back() -> None:
    before = torch.get_num_threads()
    wanted = 1 if before != 1 else 2
    with torch_threads(wanted):
        assert torch.get_num_threads() == wanted
    assert torch.get_num_threads() == before


def test_the_previous_count_comes_back_after_an_error() -> None:
    before = torch.get_num_threads()
    with pytest.raises(RuntimeError, match="boom"), torch_threads(1 if before != 1 else 2):
        raise RuntimeError("boom")
    assert torch.get_num_threads() == before


def test_none_leaves_the_count_alone() -> None:
    before = torch.get_num_threads()
    with torch_threads(None):
        assert torch.get_num_threads() == before


@pytest.mark.parametrize("threads", [0, -1, 1.5, True])
def test_zero_negative_and_non_whole_counts_are_refused_before_anything_runs(threads) -> None:
    ran = False
    with pytest.raises(ValueError, match="at least 1"):
        with torch_threads(threads):
            ran = True
    assert not ran
