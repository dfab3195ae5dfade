"""Celery queues, named by workload, and the one place that routes every task to its queue.

Celery asks ``route_task`` for each message it sends (settings.CELERY_TASK_ROUTES names it), so
a worker started with ``-Q gpu`` on a GPU machine gets exactly the work listed for ``gpu``.
"""

from enum import StrEnum
from typing import Any


class CeleryQueue(StrEnum):
    DEFAULT = "default"  # short per-image work: analyses, single-pass attributions
    CPU_HEAVY = "cpu_heavy"  # long dataset-wide work: evaluation, embeddings, registrations
    GPU = "gpu"  # optimisation and many-pass attribution: fastest on a GPU node


TASK_QUEUES: dict[str, CeleryQueue] = {
    "analyses.run_analysis": CeleryQueue.DEFAULT,
    "explanations.run_explanation": CeleryQueue.DEFAULT,
    # Integrated gradients, SmoothGrad, occlusion and trust checks: hundreds of passes.
    "explanations.run_heavy_explanation": CeleryQueue.GPU,
    "features.run_feature_vis": CeleryQueue.GPU,
    # Whole-dataset passes and embeddings take seconds to a minute.
    "evaluations.run_dataset_view": CeleryQueue.CPU_HEAVY,
    # Two networks over the test split (answers, or every layer pair's CKA): seconds to minutes.
    "comparisons.run_comparison": CeleryQueue.CPU_HEAVY,
    # Training a user-built network (Build & train): seconds to minutes, bounded by its limit.
    "training.run_training": CeleryQueue.CPU_HEAVY,
    # A picture's VAE neighbourhood: a few hundred decodes and forward passes, seconds.
    "neighbourhoods.run_neighbourhood": CeleryQueue.DEFAULT,
    # Training a registered dataset's VAE: minutes.
    "neighbourhoods.train_vae": CeleryQueue.CPU_HEAVY,
    # Registering a model (a sandboxed load) or a dataset (decoding a zip): seconds to minutes.
    "networks.register_network": CeleryQueue.CPU_HEAVY,
    "datasets.register_dataset": CeleryQueue.CPU_HEAVY,
    # Re-queues jobs whose worker died: tiny, and must not wait behind heavy work.
    "jobs.sweep": CeleryQueue.DEFAULT,
    # Removes the layer files of old results (retention): file deletions, seconds.
    "analyses.prune_results": CeleryQueue.DEFAULT,
}


def route_task(name: str, args: Any, kwargs: Any, options: Any, task: Any = None, **kw: Any):
    """Celery router: the queue of a known task; None lets Celery use the default queue."""
    queue = TASK_QUEUES.get(name)
    return {"queue": str(queue)} if queue else None
