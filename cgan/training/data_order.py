"""The order a run reads its training images in: a fresh permutation per epoch, a function of (seed, epoch), and a
cursor (epoch, position) that the checkpoint keeps, so a run resumes mid-epoch however its batch has grown."""
from __future__ import annotations

import torch

from cgan.data import to_float


class DataOrder:
    """Batches of real images (float, [-1, 1]) and labels, read in each epoch's order from in-memory uint8 tensors."""

    def __init__(self, images: torch.Tensor, labels: torch.Tensor, *, seed: int, image_size: int, rank: int,
                 world_size: int, channels_last: bool):
        self.images, self.labels = images, labels
        self.seed, self.image_size, self.channels_last = seed, image_size, channels_last
        self.rank, self.world_size = rank, world_size
        self.cursor = (0, 0)  # (epoch, position in its order) of the next batch
        self.cache: dict = {}

    def __len__(self) -> int:
        return len(self.labels)

    def permutation(self, epoch: int) -> torch.Tensor:
        """Data order of one epoch: a function of (seed, epoch), so resuming mid-epoch needs no state."""
        rng = torch.Generator().manual_seed(self.seed * 100_003 + epoch)
        return torch.randperm(len(self), generator=rng).to(self.images.device)

    def batch_at(self, epoch: int, position: int, size: int, cache: dict | None = None
                 ) -> tuple[torch.Tensor, torch.Tensor]:
        """This rank's `size` images and labels from `position` of `epoch`'s order (all ranks' batches are side
        by side there); `cache` keeps the epoch's order."""
        cache = self.cache if cache is None else cache
        if cache.get("epoch") != epoch:
            cache.update(epoch=epoch, perm=self.permutation(epoch))
        start = position + self.rank * size
        idx = cache["perm"][start:start + size]
        images = to_float(self.images[idx], self.image_size)
        if self.channels_last and images.dim() == 4:
            images = images.contiguous(memory_format=torch.channels_last)
        return images, self.labels[idx]

    def next_batch(self, size: int) -> tuple[torch.Tensor, torch.Tensor]:
        """The next `size` images per process, moving the cursor on."""
        epoch, position = self.cursor
        self.cursor = (epoch, position + size * self.world_size)
        return self.batch_at(epoch, position, size)

    def end_epoch_before(self, size: int) -> bool:
        """Is the rest of this epoch's order too short for a batch of `size` per process? Then the cursor moves to
        the next epoch (the last few images wait for a later one) and this returns True."""
        epoch, position = self.cursor
        if position + size * self.world_size <= len(self):
            return False
        self.cursor = (epoch + 1, 0)
        return True
