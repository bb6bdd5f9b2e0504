"""Data-parallel training under torchrun: process-group set-up and the rank facts the loop needs."""
from __future__ import annotations

import os
from dataclasses import dataclass

import torch
import torch.distributed as dist


@dataclass
class Distributed:
    """Where this process stands: rank 0 of 1 when not launched by torchrun."""

    rank: int = 0
    local_rank: int = 0
    world_size: int = 1

    @property
    def enabled(self) -> bool:
        return self.world_size > 1

    @property
    def is_main(self) -> bool:
        return self.rank == 0

    def barrier(self) -> None:
        if self.enabled:
            dist.barrier()

    def average_gradients(self, module: torch.nn.Module) -> None:
        """Average the gradients of module's parameters over the processes, as DDP does in its backward.

        For a backward DDP cannot run (the gradient penalties' double backward goes through the bare module)."""
        if not self.enabled:
            return
        for parameter in module.parameters():
            if parameter.grad is not None:
                dist.all_reduce(parameter.grad)  # a sum: gloo has no average
                parameter.grad /= self.world_size


def from_environment() -> Distributed:
    """Read torchrun's RANK / LOCAL_RANK / WORLD_SIZE (all absent for a plain `python train.py`)."""
    return Distributed(rank=int(os.environ.get("RANK", 0)), local_rank=int(os.environ.get("LOCAL_RANK", 0)),
                       world_size=int(os.environ.get("WORLD_SIZE", 1)))


def init_process_group(info: Distributed, device: torch.device) -> None:
    """nccl between GPUs, gloo on CPU; a no-op for a single process."""
    if info.enabled and not dist.is_initialized():
        dist.init_process_group("nccl" if device.type == "cuda" else "gloo")


def shutdown(info: Distributed) -> None:
    if info.enabled and dist.is_initialized():
        dist.destroy_process_group()
