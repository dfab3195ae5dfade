"""Training a VAE for a registered dataset (a job on the cpu_heavy queue), so its pictures get
the neighbourhood view too. The recipe is the zoo's default (model_zoo/vae/recipe.py): seeded,
at most 20,000 training images and ~3,000 optimiser steps, which fits the task's time limit on
small pictures; larger pictures are learned as 32×32 thumbnails."""

from __future__ import annotations

from pathlib import Path

from django.db import transaction

from backend.datasets.models import Dataset
from backend.jobs import services as jobs
from backend.jobs.models import Job, JobKind, JobStatus
from backend.neighbourhoods.models import VaeTraining
from model_zoo.vae.store import zoo_vae

TASK = "neighbourhoods.train_vae"


class RequestInvalid(ValueError):
    """Answered 400 with this sentence."""


def create_vae_training(owner, dataset: Dataset) -> VaeTraining:
    if zoo_vae(dataset.name) is not None:
        raise RequestInvalid(f"{dataset.name} ships its own VAE; there is nothing to train.")
    busy = Job.objects.filter(
        vae_training__dataset=dataset, status__in=[JobStatus.QUEUED, JobStatus.RUNNING]
    )
    if busy.exists():
        raise RequestInvalid(f"A VAE for {dataset.name} is being trained already.")
    with transaction.atomic():
        job = jobs.create_job(owner, JobKind.VAE_TRAINING)
        request = VaeTraining.objects.create(owner=owner, dataset=dataset, job=job)
    jobs.enqueue(job, TASK)
    return request


def result_directory(request: VaeTraining) -> str:
    return str(Path("vaes") / request.dataset.name / f"job-{request.job_id}")


def compute(request: VaeTraining, out_dir: Path, progress=None) -> dict:
    """Train and write the VAE; its manifest (test-split figures, class mean codes)."""
    from datasets.registry import get_dataset
    from model_zoo.vae.recipe import default_recipe
    from model_zoo.vae.train import build_vae

    dataset = get_dataset(request.dataset.name)
    recipe = default_recipe(dataset.name, int(dataset.manifest["splits"]["train"]))

    def report(epoch: int, epochs: int, row: dict) -> None:
        if progress is not None:
            progress(0.95 * epoch / epochs,
                     f"Training the VAE: epoch {epoch} of {epochs} "
                     f"(reconstruction error {row['reconstruction']:.1f})")  # fmt: skip

    return build_vae(dataset, recipe, Path(out_dir), report).manifest()
