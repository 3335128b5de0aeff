"""How many CPU threads PyTorch may use for a block of work (training, inference).

One meaning for every model: ``None`` leaves PyTorch's thread count as it is; a whole
number of 1 or more sets it for the block, and the previous count comes back afterwards.
Zero or a negative number is refused (PyTorch's own meaning of 0 differs between calls).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager


def check_thread_count(threads: int | None) -> None:
    """Raise ``ValueError`` unless ``threads`` is None or a whole number of at least 1."""
    if threads is None:
        return
    if isinstance(threads, bool) or not isinstance(threads, int) or threads < 1:
        raise ValueError(
            f"PyTorch threads must be a whole number of at least 1 (or None to leave "
            f"PyTorch's setting alone), got {threads!r}"
        )


@contextmanager
def torch_threads(threads: int | None) -> Iterator[None]:
    """Run the block with ``threads`` PyTorch threads (None: unchanged), then restore the count."""
    check_thread_count(threads)
    if threads is None:
        yield
        return
    import torch  # here, so importing this module loads no PyTorch

    previous = torch.get_num_threads()
    torch.set_num_threads(threads)
    try:
        yield
    finally:
        torch.set_num_threads(previous)
