"""What comes next: a SASRec-style self-attention model over the shopper's item history (PyTorch).

Items are embedded (index 0 is padding), position embeddings count from the most recent item,
a few causal transformer blocks read the history, and the output at each position is scored
against every item embedding. Training uses full softmax cross-entropy over all items at every
position, which on sparse data (Amazon Beauty) beats the original SASRec loss (binary
cross-entropy against one sampled negative) by a wide margin.
"""

from __future__ import annotations

import copy
import logging
import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import torch
from torch import nn
from torch.nn import functional as F
from tqdm.auto import tqdm

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class SequentialConfig:
    """Size and training of the sequential model."""

    max_length: int = 50
    hidden: int = 64
    blocks: int = 2
    heads: int = 2
    #: Width of the feed-forward layer of each block, as a multiple of ``hidden``.
    feedforward_factor: int = 1
    dropout: float = 0.5
    epochs: int = 200
    batch_size: int = 256
    learning_rate: float = 2e-3
    weight_decay: float = 0.0
    label_smoothing: float = 0.0
    #: Softmax over the batch's targets plus this many uniformly sampled items instead of over
    #: all items (None: all items). Much cheaper on large catalogs and nearly as accurate.
    negatives: int | None = 1024
    #: Stop after this many evaluations without a better validation score.
    patience: int = 10
    #: Evaluate on the validation pairs every this many epochs.
    eval_every: int = 2
    #: Stop training after this many seconds (None: no limit).
    time_budget: float | None = None


class SequentialModel(nn.Module):
    """The SASRec-style network; ``forward`` gives hidden states, :meth:`scores` item logits."""

    def __init__(self, item_count: int, config: SequentialConfig) -> None:
        super().__init__()
        self.config = config
        self.item_embedding = nn.Embedding(item_count + 1, config.hidden, padding_idx=0)
        self.position_embedding = nn.Embedding(config.max_length, config.hidden)
        self.dropout = nn.Dropout(config.dropout)
        layer = nn.TransformerEncoderLayer(
            config.hidden,
            config.heads,
            dim_feedforward=config.hidden * config.feedforward_factor,
            dropout=config.dropout,
            activation="gelu",
            batch_first=True,
            norm_first=True,
        )
        self.encoder = nn.TransformerEncoder(layer, config.blocks, enable_nested_tensor=False)
        self.final_norm = nn.LayerNorm(config.hidden)
        nn.init.normal_(self.item_embedding.weight, std=1.0 / math.sqrt(config.hidden))
        with torch.no_grad():
            self.item_embedding.weight[0].zero_()

    def forward(self, sequences: torch.Tensor) -> torch.Tensor:
        """Hidden states (batch x length x hidden) of left-padded item sequences (0 = padding)."""
        length = sequences.shape[1]
        positions = torch.arange(length - 1, -1, -1, device=sequences.device)
        hidden = self.item_embedding(sequences) * math.sqrt(self.config.hidden)
        hidden = self.dropout(hidden + self.position_embedding(positions)[None])
        hidden = hidden * (sequences > 0).unsqueeze(-1)
        causal = torch.triu(torch.full((length, length), float("-inf")), diagonal=1)
        hidden = self.encoder(hidden, mask=causal, is_causal=True)
        return self.final_norm(hidden)

    def scores(self, hidden: torch.Tensor) -> torch.Tensor:
        """Logits over items 1..N (padding left out) for hidden states."""
        return hidden @ self.item_embedding.weight[1:].T

    @torch.no_grad()
    def next_item_scores(
        self, histories: Sequence[np.ndarray], batch_size: int = 512
    ) -> np.ndarray:
        """Logits (batch x items) for the item after each history (item indices from 0)."""
        self.eval()
        out = []
        for start in range(0, len(histories), batch_size):
            batch = pad_left(
                [h + 1 for h in histories[start : start + batch_size]], self.config.max_length
            )
            out.append(self.scores(self(torch.from_numpy(batch))[:, -1]).numpy())
        if not out:
            return np.zeros((0, self.item_embedding.num_embeddings - 1), dtype=np.float32)
        return np.concatenate(out).astype(np.float32, copy=False)


def pad_left(sequences: Sequence[np.ndarray], max_length: int) -> np.ndarray:
    """The last ``max_length`` entries of each sequence, left-padded with 0 to the longest one."""
    length = max(1, min(max_length, max((len(s) for s in sequences), default=1)))
    batch = np.zeros((len(sequences), length), dtype=np.int64)
    for row, sequence in enumerate(sequences):
        tail = np.asarray(sequence[-length:], dtype=np.int64)
        if tail.size:
            batch[row, length - tail.size :] = tail
    return batch


def _batches(
    sequences: list[np.ndarray], batch_size: int, rng: np.random.Generator
) -> list[list[int]]:
    """Shuffled batches of sequence numbers of similar length (little padding per batch)."""
    order = np.argsort([len(s) + rng.random() for s in sequences], kind="stable")
    batches = [order[i : i + batch_size].tolist() for i in range(0, len(order), batch_size)]
    rng.shuffle(batches)
    return batches


def _loss(
    model: SequentialModel,
    hidden: torch.Tensor,
    targets: torch.Tensor,
    config: SequentialConfig,
    generator: torch.Generator,
) -> torch.Tensor:
    """Cross-entropy of the next items.

    Over all items, or sampled softmax (target vs shared negatives).
    """
    item_count = model.item_embedding.num_embeddings - 1
    if config.negatives is None or config.negatives >= item_count:
        return F.cross_entropy(
            model.scores(hidden), targets, label_smoothing=config.label_smoothing
        )
    sampled = torch.randint(0, item_count, (config.negatives,), generator=generator)
    positive = (hidden * model.item_embedding(targets + 1)).sum(-1, keepdim=True)
    negative = hidden @ model.item_embedding.weight[sampled + 1].T
    negative = negative.masked_fill(sampled[None, :] == targets[:, None], float("-inf"))
    logits = torch.cat([positive, negative], dim=1)
    zeros = torch.zeros(targets.numel(), dtype=torch.long)
    return F.cross_entropy(logits, zeros, label_smoothing=config.label_smoothing)


def train_sequential(
    item_count: int,
    sequences: list[np.ndarray],
    config: SequentialConfig,
    validate: Callable[[SequentialModel], float] | None,
    seed: int,
    progress: bool,
) -> SequentialModel:
    """Train on ``sequences`` (item indices from 0, time order), keeping the best validated epoch.

    ``validate(model) -> score`` (higher is better) is called every ``eval_every`` epochs;
    training stops after ``patience`` calls without improvement, or at ``time_budget``.
    """
    torch.manual_seed(seed)
    generator = torch.Generator().manual_seed(seed)
    rng = np.random.default_rng(seed)
    model = SequentialModel(item_count, config)
    optimiser = torch.optim.Adam(
        model.parameters(), lr=config.learning_rate, weight_decay=config.weight_decay
    )
    trainable = [s[-(config.max_length + 1) :] + 1 for s in sequences if len(s) >= 2]
    best_score, best_state, stale = -math.inf, None, 0
    started = time.monotonic()
    bar = tqdm(range(config.epochs), desc="Sequential model", unit="epoch", disable=not progress)
    for epoch in bar:
        model.train()
        total, count = 0.0, 0
        for batch_ids in _batches(trainable, config.batch_size, rng):
            batch = torch.from_numpy(
                pad_left([trainable[i] for i in batch_ids], config.max_length + 1)
            )
            inputs, targets = batch[:, :-1], batch[:, 1:]
            keep = (targets > 0) & (inputs > 0)
            hidden = model(inputs)[keep]
            loss = _loss(model, hidden, targets[keep] - 1, config, generator)
            optimiser.zero_grad()
            loss.backward()
            optimiser.step()
            total += loss.item() * int(keep.sum())
            count += int(keep.sum())
        postfix = {"loss": f"{total / max(count, 1):.3f}"}
        out_of_time = (
            config.time_budget is not None and time.monotonic() - started > config.time_budget
        )
        last_epoch = epoch + 1 == config.epochs
        if validate is not None and (
            (epoch + 1) % config.eval_every == 0 or out_of_time or last_epoch
        ):
            score = validate(model)
            postfix["valid"] = f"{score:.4f}"
            if score > best_score:
                best_score, best_state, stale = score, copy.deepcopy(model.state_dict()), 0
            else:
                stale += 1
            logger.info(
                "epoch %d loss %.4f validation %.4f", epoch + 1, total / max(count, 1), score
            )
        bar.set_postfix(postfix)
        if stale >= config.patience or out_of_time:
            break
    if best_state is not None:
        model.load_state_dict(best_state)
    model.eval()
    return model
