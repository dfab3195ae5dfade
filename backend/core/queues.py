"""Celery queues, named by workload. Every task names one of these."""

from enum import StrEnum


class CeleryQueue(StrEnum):
    DEFAULT = "default"  # short per-image work: analyses
    CPU_HEAVY = "cpu_heavy"  # long dataset-wide work: evaluation, embeddings
    GPU = "gpu"  # the same heavy work on GPU nodes
